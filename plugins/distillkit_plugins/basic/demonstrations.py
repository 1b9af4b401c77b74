"""Where a prompted strategy's in-context demonstrations come from, for any dataset.

Sources (``demonstrations.source``):

- ``gold``: training examples with a gold rationale (``Example.rationale``), as TinyLLM's
  datasets with explanations allow;
- ``file``: a JSONL/JSON/parquet file of ``question``, ``answer``, ``rationale`` (and optional
  ``choices``) rows written by the user;
- ``bootstrap``: the teacher first explains ``pool`` training items itself (zero-shot, with the
  same strategy); its answers are cached like any other, those whose stated answer contradicts
  the gold one are dropped, and the rest are the demonstrations;
- ``question_answer``: solved examples shown with their answer and no rationale;
- ``auto`` (default): ``gold`` when the training data has rationales, else ``bootstrap``.

A bootstrap that keeps no rationale falls back to ``question_answer`` and says so on stderr,
so a prompt can always be built once validation has passed.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from distillkit.components import ComponentOptions, CrossCheck, Task
from distillkit.errors import DataError
from distillkit.types import Annotation, Example

SOURCES = ("auto", "gold", "file", "bootstrap", "question_answer")
REQUIRED_COLUMNS = ("question", "answer", "rationale")

# Has the teacher answer these examples under the zero-shot strategy (cached, counted, filtered).
Ask = Callable[[list[Example]], list[Annotation]]


class DemonstrationOptions(ComponentOptions):
    source: Literal["auto", "gold", "file", "bootstrap", "question_answer"] = Field(
        "auto", description="Where in-context demonstrations come from: gold (the data's rationales), file, "
                            "bootstrap (the teacher explains a few training items first), question_answer (no "
                            "rationale), auto (gold when the data has rationales, else bootstrap).")
    path: str | None = Field(None, description="source file: a JSONL/JSON/parquet file with question, answer, "
                                               "rationale (and optional choices) columns.")
    pool: int = Field(8, ge=1, le=256, description="source bootstrap: training items the teacher explains "
                                                   "zero-shot; those that do not contradict the gold answer are kept.")

    @model_validator(mode="after")
    def _path_iff_file(self):
        if self.source == "file" and not self.path:
            raise ValueError("source 'file' needs `path` (a JSONL/JSON/parquet file of question, answer, rationale)")
        if self.source != "file" and self.path:
            raise ValueError(f"`path` is read only with source 'file' (source is {self.source!r})")
        return self


def read_demonstration_file(path: Path) -> list[Example]:
    """Rows of a demonstrations file as Examples (ids ``demo-N``); DataError names file and row."""
    from distillkit.annotation.records import read_records

    if not path.is_file():
        raise DataError(f"{path}: demonstrations file not found")
    out = []
    for i, row in enumerate(read_records(path), 1):
        missing = [c for c in REQUIRED_COLUMNS if not isinstance(row.get(c), str) or not row[c].strip()]
        if missing:
            raise DataError(f"{path}: row {i}: {', '.join(missing)} missing or empty; every row needs "
                            f"{', '.join(REQUIRED_COLUMNS)} as non-empty text (choices: an optional list)")
        choices = row.get("choices") or ()
        if not isinstance(choices, (list, tuple)) or not all(isinstance(c, str) for c in choices):
            raise DataError(f"{path}: row {i}: choices must be a list of strings")
        out.append(Example(id=f"demo-{i}", question=row["question"].strip(), answer=row["answer"].strip(),
                           choices=tuple(choices), rationale=row["rationale"].strip()))
    if not out:
        raise DataError(f"{path}: the demonstrations file has no rows")
    return out


def check_demonstrations(opts: DemonstrationOptions, k: int, task: Task | None) -> list[CrossCheck]:
    """What validation can know before any data or model loads."""
    if k == 0:
        return []
    if opts.source == "file":
        try:
            rows = read_demonstration_file(Path(opts.path))
        except DataError as exc:
            return [CrossCheck(location="demonstrations.path", message=str(exc),
                               hint="write one row per demonstration: {question, answer, rationale}")]
        if len(rows) < k:
            return [CrossCheck(location="demonstrations.path",
                               message=f"{len(rows)} demonstration(s) in {opts.path}, fewer than the {k} asked for",
                               hint=f"add rows or ask for at most {len(rows)}")]
    if opts.source == "gold" and task is not None and task.has_rationales() is False:
        return [CrossCheck(location="demonstrations.source",
                           message=f"source 'gold' needs training examples with rationales, and task "
                                   f"{task.name!r} has none",
                           hint="use source: auto or bootstrap (the teacher writes them), file, or question_answer")]
    if opts.source == "bootstrap" and opts.pool < k:
        return [CrossCheck(location="demonstrations.pool", message=f"pool {opts.pool} is smaller than the {k} "
                                                                   "demonstrations asked for",
                           hint=f"set pool >= {k} (a few more: some bootstrapped rationales get dropped)")]
    return []


def resolve_source(opts: DemonstrationOptions, train: list[Example]) -> str:
    if opts.source != "auto":
        return opts.source
    return "gold" if any(e.rationale for e in train) else "bootstrap"


def gold_pool(train: list[Example], strategy_name: str, task_name: str) -> list[Example]:
    pool = [e for e in train if e.rationale]
    if not pool:
        raise DataError(f"strategy {strategy_name!r}: demonstrations source 'gold' needs training examples with a "
                        f"rationale, and none of the {len(train)} of task {task_name!r} has one; use source: auto, "
                        f"bootstrap, file or question_answer")
    return pool


def bootstrap_candidates(train: list[Example], size: int, seed: int) -> list[Example]:
    """A seeded sample of training items for the teacher to explain first (independent of input order)."""
    ordered = sorted(train, key=lambda e: e.id)
    return random.Random(f"demos:{seed}").sample(ordered, min(size, len(ordered)))


def bootstrapped(candidates: list[Example], annotations: list[Annotation], task: Task) -> list[Example]:
    """Candidates whose teacher rationale parsed and does not contradict the gold answer, rationale attached.

    Rationales that state the gold answer come first; ones that state none follow (a teacher-forced
    rationale often ends before restating the answer it was given).
    """
    agree, silent = [], []
    for example, ann in zip(candidates, annotations):
        if not ann.ok or not ann.rationale:
            continue
        demo = Example(id=example.id, question=example.question, answer=example.answer, choices=example.choices,
                       rationale=ann.rationale, context=example.context)
        if ann.answer is None:
            silent.append(demo)
        elif task.answer_format.is_correct(ann.answer, example):
            agree.append(demo)
    return agree + silent


def warn_fallback(strategy_name: str, asked: int) -> None:
    print(f"[{strategy_name}] bootstrapped demonstrations: none of {asked} teacher rationales was usable; "
          f"showing question + answer demonstrations without rationales", file=sys.stderr)
