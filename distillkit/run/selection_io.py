"""A round's selection is saved once, so a resumed round annotates exactly the same items.

One JSON line per selection: ``id``, ``score``, ``details`` and, when the selector kept it,
``student_output`` (the text the strategies that need the student's output are shown).
"""

from __future__ import annotations

import json
from pathlib import Path

from distillkit.types import Example, Selection


def save_selection(path: Path, selections: list[Selection]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for s in selections:
            row = {"id": s.example.id, "score": s.score, "details": s.details}
            if s.student_output is not None:
                row["student_output"] = s.student_output
            fh.write(json.dumps(row, default=str) + "\n")
    tmp.replace(path)


def load_selection(path: Path, by_id: dict[str, Example]) -> list[Selection] | None:
    if not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Selection(by_id[r["id"]], r["score"], r["details"], r.get("student_output"))
            for r in rows if r["id"] in by_id]
