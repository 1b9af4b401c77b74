"""Run events: appended to ``events.jsonl`` in the run folder and passed to every callback."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from distillkit.components import Callback
from distillkit.secrets import redact, redact_obj


class EventLog:
    def __init__(self, path: Path, callbacks: list[Callback]):
        self.path = path
        self.callbacks = callbacks
        for cb in callbacks:
            cb.start(path.parent)  # events.jsonl lives in the run folder

    def __call__(self, event: str, payload: dict[str, Any]) -> None:
        payload = redact_obj(payload)  # failure reasons may quote a URL with credentials
        record = {"event": event, "time": time.time(), **payload}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(redact(json.dumps(record, default=str)) + "\n")
        for cb in self.callbacks:
            cb.on_event(event, payload)

    def read(self, event: str | None = None) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r for r in rows if event is None or r["event"] == event]
