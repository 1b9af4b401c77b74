"""``accuracy``: the share of predictions the task's answer format judges correct."""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillkit.types import Example
from distillkit_plugins.metrics.proportion import ProportionMetric

if TYPE_CHECKING:
    from distillkit.components import Task


class Accuracy(ProportionMetric):
    """Share of predictions the task's answer format accepts (letters, tolerance...), with a 95% CI."""

    name = "accuracy"
    default = True

    def hit(self, predicted: str | None, example: Example, task: Task) -> bool:
        return task.answer_format.is_correct(predicted, example)
