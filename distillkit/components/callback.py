"""Callbacks: observe a run (logging, trackers, notifications) without changing it."""

from __future__ import annotations

from typing import Any

from distillkit.components.base import Component


class Callback(Component):
    """Receives every run event: ``run_start``, ``round_start``, ``annotated``, ``train_log``,
    ``evaluated``, ``round_end``, ``run_end``, each with a JSON-able payload. Must not mutate it."""

    kind = "callback"
    hook = "register_callbacks"
    must_override = (("on_event",),)

    def on_event(self, event: str, payload: dict[str, Any]) -> None:
        raise NotImplementedError
