"""``reasoning_gym``: seeded generated tasks from the reasoning-gym package (e.g. gsm_symbolic)."""

from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import Field

from distillkit.errors import ConfigError, DataError, Problem
from distillkit_plugins.tasks.formats.numbers import parse_number
from distillkit_plugins.tasks.loading.columns import ColumnMap
from distillkit_plugins.tasks.loading.dataset_task import DatasetOptions, DatasetTask, RawSplit
from distillkit_plugins.tasks.offline.catalog import DATASETS

COLUMNS = ColumnMap(question="question", answer="answer", rationale="rationale", id="id")
RATIONALE_KEYS = ("answer_cot", "cot", "rationale", "solution")


class ReasoningGym(DatasetTask):
    """Generated tasks from reasoning-gym, seeded per split, with gold chains of thought when the generator has them.

    Each split comes from its own seed (derived from ``seed``); train items whose question also
    appears in validation/test are dropped and counted in ``skipped``. The rationale is the
    generator's ``metadata["answer_cot"]`` (gsm_symbolic) when present. ``answer_format: auto``
    picks numeric when every generated answer is a number, else free_text.
    Needs ``pip install distillkit[data]`` (reasoning-gym).
    """

    name = "reasoning_gym"

    class Options(DatasetOptions):
        generator: str = Field("gsm_symbolic", min_length=1, description="reasoning-gym dataset name, e.g. chain_sum.")
        generator_config: dict[str, Any] = Field(
            default_factory=dict, description="Extra keyword arguments of the generator (its difficulty knobs)."
        )
        train_size: int = Field(1000, ge=0, description="Generated train items.")
        validation_size: int = Field(100, ge=0, description="Generated validation items.")
        test_size: int = Field(200, ge=0, description="Generated test items.")
        answer_format: Literal["auto", "numeric", "free_text", "yes_no", "multiple_choice"] = Field(
            "auto", description="How answers are read; auto: numeric if every answer is a number, else free_text."
        )

    def __init__(self, options=None, **kwargs):
        super().__init__(options, **kwargs)
        self._rows: dict[str, list[dict]] | None = None

    @property
    def licence(self) -> str:  # type: ignore[override]
        return DATASETS["reasoning_gym"].licence

    @property
    def format_name(self) -> str:  # type: ignore[override]
        if self.options.answer_format != "auto":
            return self.options.answer_format
        rows = [r for split in self._generate().values() for r in split]
        return "numeric" if rows and all(parse_number(str(r["answer"])) is not None for r in rows) else "free_text"

    def columns(self) -> ColumnMap:
        return COLUMNS

    def raw_splits(self) -> dict[str, RawSplit]:
        rows = self._generate()
        held_out = {r["question"] for split in ("validation", "test") for r in rows[split]}
        train = [r for r in rows["train"] if r["question"] not in held_out]
        if len(train) < len(rows["train"]):
            self.skipped["same question as a held-out item"] += len(rows["train"]) - len(train)
        label = f"reasoning_gym {self.options.generator}"
        return {"train": RawSplit(f"{label} train", train),
                "validation": RawSplit(f"{label} validation", rows["validation"]),
                "test": RawSplit(f"{label} test", rows["test"])}

    def _generate(self) -> dict[str, list[dict]]:
        if self._rows is None:
            o = self.options
            sizes = {"train": o.train_size, "validation": o.validation_size, "test": o.test_size}
            self._rows = {split: self._split_rows(split, n) for split, n in sizes.items()}
        return self._rows

    def _split_rows(self, split: str, size: int) -> list[dict]:
        if size == 0:
            return []
        try:
            import reasoning_gym
        except ImportError:
            raise DataError("reasoning_gym needs the reasoning-gym package: pip install 'distillkit[data]'") from None
        o = self.options
        seed = random.Random(f"reasoning_gym:{o.seed}:{split}").randrange(2**31)
        try:
            items = reasoning_gym.create_dataset(o.generator, seed=seed, size=size, **o.generator_config)
        except Exception as exc:  # noqa: BLE001 - unknown generator or config: name it and the valid choices
            raise ConfigError([Problem("task.generator", f"reasoning-gym cannot create {o.generator!r}: {exc}",
                                       hint=_generator_hint(o.generator))]) from None
        return [_row(f"{o.generator}-{split}-{i}", item) for i, item in enumerate(items)]


def _row(ident: str, item: dict) -> dict:
    meta = item.get("metadata") or {}
    rationale = next((meta[k] for k in RATIONALE_KEYS if isinstance(meta.get(k), str) and meta[k].strip()), None)
    return {"id": ident, "question": item.get("question"), "answer": item.get("answer"), "rationale": rationale}


def _generator_hint(name: str) -> str | None:
    try:
        from reasoning_gym.factory import DATASETS as GENERATORS
    except ImportError:
        return None
    from distillkit.suggest import unknown_name_hint

    return unknown_name_hint(name, GENERATORS)
