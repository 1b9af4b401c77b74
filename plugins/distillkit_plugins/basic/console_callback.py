"""A callback that prints one line per round and per evaluation, for runs watched from a terminal."""

from __future__ import annotations

import sys
from typing import Any

from pydantic import Field

from distillkit.components import Callback, ComponentOptions


class ConsoleSummary(Callback):
    """Prints a line at each round start/end and each validation evaluation to stderr."""

    name = "console"

    class Options(ComponentOptions):
        train_logs: bool = Field(False, description="Also print every train_log row (loss components, tokens/s).")

    def on_event(self, event: str, payload: dict[str, Any]) -> None:
        if event == "train_log" and not self.options.train_logs:
            return
        if event not in ("round_start", "round_end", "annotated", "train_log", "budget_spent", "run_end"):
            return
        shown = {k: v for k, v in payload.items() if not isinstance(v, (dict, list))}
        text = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items())
        print(f"[distillkit] {event}: {text}", file=sys.stderr)
