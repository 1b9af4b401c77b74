"""A round's selection is saved once, so a resumed round annotates exactly the same items."""

from __future__ import annotations

import json
from pathlib import Path

from distillkit.types import Example, Selection


def save_selection(path: Path, selections: list[Selection]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for s in selections:
            fh.write(json.dumps({"id": s.example.id, "score": s.score, "details": s.details}, default=str) + "\n")
    tmp.replace(path)


def load_selection(path: Path, by_id: dict[str, Example]) -> list[Selection] | None:
    if not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Selection(by_id[r["id"]], r["score"], r["details"]) for r in rows if r["id"] in by_id]
