"""Callbacks: observe a run (logging, trackers, notifications) without changing it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distillkit.components.base import Component


class Callback(Component):
    """Receives every run event, each with a JSON-able payload it must not mutate.

    The events, in a round's order: ``run_start``, then per round ``round_start``, ``selected``,
    ``annotation_start``/``annotation_end`` (per teacher), ``annotated``, ``train_log`` (per
    logged step), ``trained``, ``evaluated``, ``round_end``; ``nothing_to_train`` and
    ``budget_spent`` when they apply; ``run_end``. docs/plugins.md ("Run events") lists each
    payload.
    """

    kind = "callback"
    hook = "register_callbacks"
    must_override = (("on_event",),)

    def start(self, run_dir: Path) -> None:
        """Called once, before the first event, with the run folder (where ``events.jsonl``,
        ``state.json``, each round's ``rounds/NN/`` and finally ``report.md`` are written); a
        callback may write its own files there. Only the main process gets callbacks. Default: nothing.
        """

    def on_event(self, event: str, payload: dict[str, Any]) -> None:
        raise NotImplementedError
