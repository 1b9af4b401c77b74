"""Trainers: fit the student on the views of the annotated examples."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillkit.components.base import Component
from distillkit.components.loss import StudentLoss
from distillkit.components.student import StudentModel
from distillkit.types import View


@dataclass
class TrainJob:
    """Everything one round of training needs.

    ``evaluate()`` scores the current student on the validation split and returns
    ``{metric_name: value}``; the trainer calls it at its eval interval and keeps the best
    checkpoint by ``select_metric`` (higher is better unless ``select_higher_is_better`` is
    False). ``out_dir`` holds checkpoints; a job started on an ``out_dir`` with a checkpoint
    resumes from it.
    """

    student: StudentModel
    loss: StudentLoss
    views: list[View]
    evaluate: Callable[[], dict[str, float]]
    out_dir: Path
    seed: int = 0
    select_metric: str | None = None
    select_higher_is_better: bool = True
    emit: Callable[[str, dict[str, Any]], None] = lambda event, payload: None


@dataclass
class TrainResult:
    steps: int
    history: list[dict[str, Any]] = field(default_factory=list)  # logged rows: step, loss components, ...
    best: dict[str, float] = field(default_factory=dict)
    best_step: int | None = None
    peak_rss_mb: float | None = None


class Trainer(Component):
    """Runs optimisation for one round. The same code must run on one CPU or under ``accelerate launch``."""

    kind = "trainer"
    hook = "register_trainers"
    must_override = (("train",),)

    def train(self, job: TrainJob) -> TrainResult:
        raise NotImplementedError
