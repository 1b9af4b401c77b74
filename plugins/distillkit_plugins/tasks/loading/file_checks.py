"""Checks of a local data file before the ``datasets`` library reads it.

The library's own errors name neither the file nor the row (or come from deep inside
pandas/pyarrow); these say which file, which line or row, what is wrong and what would be
valid. Run at validation (``distillkit validate``) and again just before loading.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from distillkit.config.encoding import check_utf8_file

TEXT_SUFFIXES = (".jsonl", ".json", ".csv")
CHECK_MAX_BYTES = 256 * 1024 * 1024  # larger files are checked when loaded, not at every validate


@dataclass(frozen=True)
class FileProblem:
    message: str  # "<file>: <where>: <what>"
    hint: str


@dataclass(frozen=True)
class FileSummary:
    rows: int | None  # data rows (None: not counted, e.g. parquet)


def check_data_file(path: Path) -> FileProblem | FileSummary:
    """A problem with ``path``, or its row count when it is readable."""
    if not path.is_file():
        where = "" if path.is_absolute() else f" (relative to the current folder {Path.cwd()})"
        return FileProblem(f"{path}: file not found{where}", "check the path; it is read relative to the folder "
                           "distillkit runs in, not to the config file")
    if path.suffix not in TEXT_SUFFIXES:
        return FileSummary(None)
    if path.stat().st_size == 0:
        return FileProblem(f"{path}: the file is empty (0 bytes), so it has no rows", _valid(path))
    issue = check_utf8_file(path)
    if issue is not None:
        return FileProblem(f"{path}: {issue.describe()}", issue.hint)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        if path.suffix == ".csv":
            return _check_csv(path, fh)
        if path.suffix == ".jsonl":
            return _check_jsonl(path, fh)
        return _check_json(path, fh.read())


def _valid(path: Path) -> str:
    return {".csv": "a CSV file needs a header line naming the columns, then one line per row",
            ".jsonl": 'a JSONL file holds one JSON object per line, e.g. {"question": "...", "answer": "..."}',
            ".json": 'a JSON file holds a list of objects ([{"question": ..., "answer": ...}, ...]) or one '
                     "object per line"}[path.suffix]


def _check_jsonl(path: Path, lines: io.TextIOBase) -> FileProblem | FileSummary:
    rows = 0
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            return FileProblem(f"{path}: line {line_no}, column {exc.colno}: not valid JSON ({exc.msg})", _valid(path))
        if not isinstance(row, dict):
            return FileProblem(f"{path}: line {line_no}: a row must be a JSON object, got {type(row).__name__}",
                               _valid(path))
        rows += 1
    if not rows:
        return FileProblem(f"{path}: no rows (the file holds only blank lines)", _valid(path))
    return FileSummary(rows)


def _check_json(path: Path, text: str) -> FileProblem | FileSummary:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several values: JSON Lines in a .json file, which datasets reads too
            return _check_jsonl(path, io.StringIO(text))
        return FileProblem(f"{path}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})", _valid(path))
    if isinstance(data, dict):
        return FileSummary(1)  # one row, or a {field: [rows]} layout: the library decides
    if not isinstance(data, list):
        return FileProblem(f"{path}: holds a single {type(data).__name__}, not rows", _valid(path))
    if not data:
        return FileProblem(f"{path}: no rows (an empty list)", _valid(path))
    bad = next((i for i, row in enumerate(data) if not isinstance(row, dict)), None)
    if bad is not None:
        return FileProblem(f"{path}: item {bad} of the list is a {type(data[bad]).__name__}, not an object",
                           _valid(path))
    return FileSummary(len(data))


def _check_csv(path: Path, fh: io.TextIOBase) -> FileProblem | FileSummary:
    reader = csv.reader(fh, strict=True)
    header: list[str] | None = None
    rows = 0
    try:
        for record in reader:
            if not record or record == [""]:
                continue
            if header is None:
                header = record
                empty = [i + 1 for i, name in enumerate(header) if not name.strip()]
                if empty:
                    return FileProblem(f"{path}: line {reader.line_num}: header column {empty[0]} has no name",
                                       "give every column a name in the header line")
                continue
            rows += 1
            if len(record) != len(header):
                return FileProblem(
                    f"{path}: row {rows} (line {reader.line_num}): {len(record)} fields, but the header has "
                    f"{len(header)} ({', '.join(header)})",
                    "quote fields that contain commas (\"a, b\"), and give every row one value per column")
    except csv.Error as exc:
        return FileProblem(f"{path}: row {rows + 1} (line {reader.line_num}): {exc}",
                           "close every quoted field; a quote inside a quoted field is written twice (\"\")")
    if header is None:
        return FileProblem(f"{path}: no header and no rows (only blank lines)", _valid(path))
    if not rows:
        return FileProblem(f"{path}: a header ({', '.join(header)}) but no data rows", _valid(path))
    return FileSummary(rows)
