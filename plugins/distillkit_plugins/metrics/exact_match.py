"""``exact_match``: normalised string equality of prediction and gold answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from distillkit.types import Example
from distillkit_plugins.metrics.proportion import ProportionMetric, ProportionOptions

if TYPE_CHECKING:
    from distillkit.components import Task


class ExactMatch(ProportionMetric):
    """Share of predictions equal to the gold answer after the answer format's normalisation."""

    name = "exact_match"

    class Options(ProportionOptions):
        normalize: bool = Field(
            True, description="Compare after the task's answer-format normalisation (else stripped raw text)."
        )

    def hit(self, predicted: str | None, example: Example, task: Task) -> bool:
        if predicted is None:
            return False
        if not self.options.normalize:
            return predicted.strip() == example.answer.strip()
        fmt = task.answer_format
        return fmt.normalize(predicted) == fmt.normalize(example.answer)
