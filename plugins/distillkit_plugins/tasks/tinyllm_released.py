"""``tinyllm_released``: the TinyLLM authors' released data and teacher rationales, read from a local clone.

The authors' repository keeps, per dataset, the questions as JSON lines and the two teachers'
rationales as JSON arrays of strings, in batches of 500 that follow the train file's row order::

    datasets/<name>/<name>_train.json      {"id", "question", "choices": [...], "answer": <choice text>}
    datasets/<name>/<name>_valid.json      (the same; optional: carved from train when absent)
    datasets/<name>/<name>_test.json
    datasets/<name>/llm/train_CoT_0.json   ["<entry of train row 0>", "<entry of row 1>", ...]
    datasets/<name>/llm/train_CoT_1.json   (rows 500-999), ...

Each entry holds both teachers' rationales:
``<rationale> Thus, the answer is (d) <label>\\n\\nQ: <question>\\nAnswer Choices:\\n(a) ...(d) <choice>
llama rationale: <LLaMA rationale>``. This task reads the questions as a multiple-choice task and
puts the two rationales of each train example in ``meta`` (``META_FIRST`` and ``META_LLAMA``), where
two ``dataset`` teachers (option ``meta_key``) serve them. Only this file format is read: nothing
of the authors' code is used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from distillkit.errors import DataError
from distillkit.types import Splits
from distillkit_plugins.tasks.loading.columns import ColumnMap
from distillkit_plugins.tasks.loading.dataset_task import DatasetOptions, DatasetTask, RawSplit

META_FIRST = "tinyllm_rationale"          # the part before "Thus, the answer is" (FLAN-T5-xl in the paper)
META_LLAMA = "tinyllm_llama_rationale"    # the part after "llama rationale:" (LLaMA-2-7B-chat)
META_LABEL = "tinyllm_rationale_answer"   # the choice text after "Thus, the answer is (x)"

LLAMA_MARK = "llama rationale:"
ANSWER_MARK = "Thus, the answer is"
QUESTION_MARK = re.compile(r"\n\s*Q:\s*")
LETTER = re.compile(r"^\s*\(([a-zA-Z])\)\s*(.*)$", re.DOTALL)
KNOWN = ("obqa", "arc", "piqa", "riddle", "pubmedqa", "bioasq")
ALIASES = {"openbookqa": "obqa", "riddlesense": "riddle", "riddle_sense": "riddle", "arc_challenge": "arc"}
SPLIT_FILES = {"train": "train", "validation": "valid", "test": "test"}
COLUMNS = ColumnMap(question="question", answer="answer", choices="choices")
SAMPLE = 60  # characters of a question quoted in messages


@dataclass
class ReleasedEntry:
    """One parsed entry of ``llm/<split>_CoT_<k>.json``."""

    rationale: str | None
    label: str | None
    question: str | None
    llama: str | None


def parse_entry(text: str) -> ReleasedEntry:
    """Split one released string into its parts. Missing parts are None, never empty strings."""
    head, llama = text, None
    at = text.find(LLAMA_MARK)
    if at >= 0:
        head, llama = text[:at], text[at + len(LLAMA_MARK):].strip() or None
    question = None
    q = list(QUESTION_MARK.finditer(head))
    if q:
        head, block = head[:q[-1].start()], head[q[-1].end():]
        question = block.split("\nAnswer Choices:")[0].strip() or None
    rationale, label = head.strip(), None
    if ANSWER_MARK in rationale:
        rationale, tail = (part.strip() for part in rationale.rsplit(ANSWER_MARK, 1))
        m = LETTER.match(tail)
        label = (m.group(2) if m else tail).strip().rstrip(".") or None
    return ReleasedEntry(rationale or None, label, question, llama)


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def _batch_index(path: Path) -> int:
    return int(path.stem.rsplit("_", 1)[1])


class TinyLLMReleased(DatasetTask):
    """The TinyLLM authors' released questions and teacher rationales, from a local clone of their repository.

    ``root`` is the clone's ``datasets/`` folder (or the clone itself), ``dataset`` one of its
    sub-folders (obqa, arc, piqa, riddle, pubmedqa, bioasq). Questions are multiple choice with
    the answer as choice text. Train examples carry both released rationales in ``meta``
    (``tinyllm_rationale``: the text before "Thus, the answer is", the paper's FLAN-T5-xl
    teacher; ``tinyllm_llama_rationale``: the text after "llama rationale:", LLaMA-2-7B-chat),
    served by ``dataset`` teachers with ``meta_key``. As in the authors' loader, train keeps the
    rows that have a released entry (entry i of the concatenated ``train_CoT_<k>.json`` files
    belongs to train row i); each entry repeats its question after "Q:", and a question that does
    not match its row is an error (``check_alignment``).
    """

    name = "tinyllm_released"
    licence = "the dataset's own (see the authors' repository); rationales as released by the TinyLLM authors"
    format_name = "multiple_choice"

    class Options(DatasetOptions):
        root: str = Field(..., min_length=1,
                          description="The clone's `datasets/` folder (or the clone itself).")
        dataset: str = Field(..., description=f"Sub-folder of `root`: {', '.join(KNOWN)} (aliases: "
                                              f"{', '.join(sorted(ALIASES))}).")
        check_alignment: bool = Field(True, description="Check that each released entry's 'Q:' question is "
                                                        "its train row's question.")

        @field_validator("dataset")
        @classmethod
        def _a_folder_name(cls, value: str) -> str:
            value = ALIASES.get(value.strip().lower(), value.strip())
            if not re.fullmatch(r"[A-Za-z0-9_-]+", value):
                raise ValueError(f"{value!r} is not a dataset folder name; known: {', '.join(KNOWN)}")
            return value

    def __init__(self, options=None, **kwargs: Any):
        super().__init__(options, **kwargs)
        self._released: dict[str, ReleasedEntry] = {}
        self.released_stats: dict[str, int] = {}

    def columns(self) -> ColumnMap:
        return COLUMNS

    def has_rationales(self) -> bool | None:
        return False  # the released rationales are teachers' (in meta), not gold explanations

    def folder(self) -> Path:
        root = Path(self.options.root).expanduser()
        name = self.options.dataset
        for candidate in (root / name, root / "datasets" / name):
            if (candidate / f"{name}_train.json").is_file():
                return candidate
        raise DataError(f"{root}: no {name}/{name}_train.json in it or in its datasets/ folder; set "
                        f"task.root to a clone of the TinyLLM authors' repository (its datasets/ folder) and "
                        f"task.dataset "
                        f"to one of its sub-folders ({', '.join(KNOWN)})")

    def raw_splits(self) -> dict[str, RawSplit]:
        folder, name = self.folder(), self.options.dataset
        out: dict[str, RawSplit] = {}
        for split, stem in SPLIT_FILES.items():
            path = folder / f"{name}_{stem}.json"
            if path.is_file():
                out[split] = RawSplit(str(path), _read_rows(path))
        entries, where = self._read_entries(folder / "llm", "train")
        rows = out["train"].rows
        assert isinstance(rows, list)
        if len(entries) > len(rows):
            raise DataError(
                f"{folder / 'llm'}: {len(entries)} released train entries for {len(rows)} rows of "
                f"{out['train'].label}: the files do not belong together")
        self.released_stats = {"train_rows": len(rows), "released_entries": len(entries)}
        rows = rows[:len(entries)]  # as the authors' loader: train is the rows the released batches cover
        out["train"] = RawSplit(out["train"].label, rows)
        self._released = {}
        for n, (row, entry) in enumerate(zip(rows, entries), start=1):
            asked = str(row.get("question", ""))
            checked = self.options.check_alignment and entry.question is not None
            if checked and _squash(entry.question) != _squash(asked):
                raise DataError(
                    f"{where[n - 1]}: its question {entry.question[:SAMPLE]!r} is not train row {n}'s "
                    f"{asked[:SAMPLE]!r} ({out['train'].label}); the released entries follow the train "
                    "file's row order (check_alignment: false skips this check)")
            self._released[f"train-{n}"] = entry
        return out

    def _read_entries(self, llm: Path, split: str) -> tuple[list[ReleasedEntry], list[str]]:
        """The entries of ``<split>_CoT_0.json``, ``_1``, ... in order, and where each one is."""
        files = sorted(llm.glob(f"{split}_CoT_*.json"), key=_batch_index) if llm.is_dir() else []
        files = [f for f in files if f.stem.rsplit("_", 1)[1].isdigit()]
        if not files:
            raise DataError(f"{llm}: no {split}_CoT_<k>.json files (the released rationales)")
        indices = [_batch_index(f) for f in files]
        if indices != list(range(len(files))):
            raise DataError(f"{llm}: {split}_CoT batches {indices} are not 0..{len(files) - 1}: "
                            "one is missing")
        entries: list[ReleasedEntry] = []
        where: list[str] = []
        for f in files:
            try:
                items = json.loads(f.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise DataError(f"{f}: not a JSON file ({exc})") from None
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                raise DataError(f"{f}: expected a JSON array of strings (one released entry per train row)")
            entries.extend(parse_entry(x) for x in items)
            where.extend(f"{f} entry {i}" for i in range(len(items)))
        return entries, where

    def load(self) -> Splits:
        splits = super().load()
        stats = {"with_rationale": 0, "with_llama_rationale": 0}
        for example in splits.train:
            entry = self._released.get(example.id)
            if entry is None:
                continue
            if entry.rationale:
                example.meta[META_FIRST] = entry.rationale
                stats["with_rationale"] += 1
            if entry.llama:
                example.meta[META_LLAMA] = entry.llama
                stats["with_llama_rationale"] += 1
            if entry.label:
                example.meta[META_LABEL] = entry.label
        self.released_stats.update(stats)
        return splits


def _read_rows(path: Path) -> list[dict[str, Any]]:
    """JSON lines (what ``datasets``' ``to_json`` writes), or one JSON array of rows."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc})") from None
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    else:
        rows = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError(f"{path}: expected one JSON object per line (id, question, choices, answer)")
    return rows
