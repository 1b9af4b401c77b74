"""Row files of annotations: JSONL or parquet, the two formats Hugging Face ``datasets`` loads.

The cache exports through ``write_records`` and the ``dataset`` teacher imports through
``read_records``, so "annotate here, train elsewhere" round-trips without a custom format.
pyarrow is imported only for parquet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from distillkit.errors import DataError

FORMATS = ("jsonl", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


def infer_format(path: str | Path, format: str | None = None) -> str:
    if format is not None:
        if format not in FORMATS:
            raise DataError(f"{path}: unknown row-file format {format!r}; valid: {', '.join(FORMATS)}")
        return format
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise DataError(f"{path}: cannot tell the format from the suffix {Path(path).suffix!r}; "
                        f"use .jsonl or .parquet (or pass the format explicitly)")
    return fmt


def write_records(records: Iterable[dict[str, Any]], path: str | Path, format: str | None = None) -> int:
    """Write rows to ``path`` (parent folders created). Returns how many rows were written."""
    path = Path(path)
    fmt = infer_format(path, format)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = list(records)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


def read_records(path: str | Path, format: str | None = None) -> list[dict[str, Any]]:
    """Read rows back; a malformed line is a ``DataError`` naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    fmt = infer_format(path, format)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}:{lineno}: expected a JSON object per line, got {type(row).__name__}")
            rows.append(row)
    return rows
