"""The base of every task read from rows: column mapping, bad-row policy, splits, row caps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from distillkit.components import ComponentOptions, Task
from distillkit.components.answer_format import AnswerFormat
from distillkit.errors import DataError
from distillkit.types import Example, Splits
from distillkit_plugins.tasks.loading.columns import ColumnMap
from distillkit_plugins.tasks.loading.rows import BadRow, RowReader
from distillkit_plugins.tasks.loading.splitting import SPLITS, assign_splits, cap

MAX_SKIP_MESSAGES = 20


class DatasetOptions(ComponentOptions):
    """Options every row-based task has."""

    seed: int = Field(0, description="Seed of the carved splits and of the row caps.")
    validation_fraction: float = Field(
        0.1, ge=0, lt=1, description="Share of the pool carved out as validation when the source has none."
    )
    test_fraction: float = Field(
        0.2, ge=0, lt=1, description="Share of the pool carved out as test when the source has none."
    )
    max_train_rows: int | None = Field(None, ge=1, description="Keep at most this many train examples (seeded sample).")
    max_validation_rows: int | None = Field(None, ge=1, description="Keep at most this many validation examples.")
    max_test_rows: int | None = Field(None, ge=1, description="Keep at most this many test examples.")
    on_bad_row: Literal["error", "skip"] = Field(
        "error", description="A malformed row stops loading with its location, or is skipped and counted."
    )

    @model_validator(mode="after")
    def _fractions_leave_train(self):
        if self.validation_fraction + self.test_fraction >= 1:
            raise ValueError(
                f"validation_fraction + test_fraction = {self.validation_fraction + self.test_fraction} "
                f"leaves nothing for train; keep the sum below 1"
            )
        return self


@dataclass
class RawSplit:
    """Rows of one source split; ``label`` names them in messages (a file, or dataset + split)."""

    label: str
    rows: Iterable[dict[str, Any]]


class DatasetTask(Task):
    """A task whose examples come from rows (files, hub datasets, packaged data).

    Subclasses provide ``raw_splits()`` (source rows per split name among train/validation/
    test), ``columns()`` and ``format_name``. ``load`` reads every row (row numbers are 1-based
    data rows), assigns splits (``assign_splits``: missing splits are carved from a seeded
    pool, official ones are kept), then applies the row caps.

    With ``on_bad_row: skip``, ``skipped`` counts skipped rows per reason (e.g.
    ``{"answer not among the choices": 2}``) and ``skip_messages`` keeps the first located
    messages, for the run report. Ids must be unique within a split (duplicates are bad rows).
    """

    Options = DatasetOptions
    format_name: str = "free_text"

    def __init__(self, options: ComponentOptions | None = None, **kwargs: Any):
        super().__init__(options, **kwargs)
        self.skipped: Counter[str] = Counter()
        self.skip_messages: list[str] = []
        self._format: AnswerFormat | None = None

    def raw_splits(self) -> dict[str, RawSplit]:
        raise NotImplementedError

    def columns(self) -> ColumnMap:
        raise NotImplementedError

    def make_format(self) -> AnswerFormat:
        from distillkit_plugins.tasks.formats import make_answer_format

        return make_answer_format(self.format_name)

    @property
    def answer_format(self) -> AnswerFormat:
        if self._format is None:
            self._format = self.make_format()
        return self._format

    def load(self) -> Splits:
        self.skipped.clear()
        self.skip_messages.clear()
        raw_splits = self.raw_splits()  # first: it may settle the answer format (reasoning_gym "auto")
        reader = RowReader(self.columns(), self.format_name)
        present = {name: self._read(name, raw, reader) for name, raw in raw_splits.items()}
        o = self.options
        splits = assign_splits(present, validation_fraction=o.validation_fraction,
                               test_fraction=o.test_fraction, seed=o.seed)
        wanted = {"train": 1, "validation": o.validation_fraction, "test": o.test_fraction}
        empty = [s for s in SPLITS if not splits[s] and (wanted[s] > 0 or s in present)]
        if empty:  # too few rows for the fractions asked for: a metric over no examples is nan
            sources = ", ".join(f"{raw_splits[name].label} ({len(rows)} rows)" for name, rows in present.items())
            raise DataError(f"{sources}: too little data: the {' and '.join(empty)} split(s) would be empty "
                            f"(validation_fraction {o.validation_fraction}, test_fraction {o.test_fraction}); "
                            "add rows or give the missing splits")
        limits = {"train": o.max_train_rows, "validation": o.max_validation_rows, "test": o.max_test_rows}
        return Splits(**{s: cap(splits[s], limits[s], o.seed) for s in SPLITS})

    def _read(self, split: str, raw: RawSplit, reader: RowReader) -> list[Example]:
        out: list[Example] = []
        seen: dict[str, int] = {}
        n = 0
        for n, row in enumerate(raw.rows, start=1):
            try:
                example = reader.read(row, default_id=f"{split}-{n}")
                if example.id in seen:
                    raise BadRow("duplicate id", f"id {example.id!r} already used by row {seen[example.id]}")
            except BadRow as exc:
                self._bad_row(f"{raw.label} row {n}: {exc}", exc.reason)
                continue
            seen[example.id] = n
            out.append(example)
        if n and not out:
            raise DataError(f"{raw.label}: all {n} rows were bad; first problems: {self.skip_messages[:3]}")
        return out

    def _bad_row(self, message: str, reason: str) -> None:
        if self.options.on_bad_row == "error":
            raise DataError(message)
        self.skipped[reason] += 1
        if len(self.skip_messages) < MAX_SKIP_MESSAGES:
            self.skip_messages.append(message)
