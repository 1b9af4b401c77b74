"""Metrics: score the student's predictions against gold answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillkit.components.base import Component
from distillkit.types import Example, MetricResult

if TYPE_CHECKING:
    from distillkit.components.task import Task


class Metric(Component):
    """Scores extracted predictions (None = no answer found) against the examples' gold answers.

    Report a confidence interval when the metric has one; ``higher_is_better`` drives model
    selection on the validation split.
    """

    kind = "metric"
    hook = "register_metrics"
    higher_is_better: bool = True
    must_override = (("compute",),)

    def compute(self, predictions: list[str | None], examples: list[Example], task: Task) -> MetricResult:
        raise NotImplementedError
