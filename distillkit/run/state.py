"""What a run has finished, persisted after every step so an interrupted run resumes.

Written atomically (temp file + rename): a kill -9 leaves either the old or the new state.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from distillkit.run.outputs import write_json


@dataclass
class RunState:
    baseline: dict[str, Any] | None = None  # test metrics of the student before distillation
    rounds: list[dict[str, Any]] = field(default_factory=list)  # one summary per finished round
    annotated: list[str] = field(default_factory=list)  # example ids annotated so far (all rounds)
    teacher_calls: int = 0
    cost: float = 0.0
    final: dict[str, Any] | None = None

    @classmethod
    def load(cls, path: Path) -> RunState:
        if not path.exists():
            return cls()
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        write_json(path, asdict(self))
