"""``answer_only``: the student learns the gold answer alone (no teachers) -- the baseline."""

from __future__ import annotations

from pydantic import Field

from distillkit.components import ComponentOptions, StudentLoss, Task
from distillkit.types import Annotation, Example, View
from distillkit_plugins.training.view_text import ANSWER_CUE, spaced, student_prompt

ANSWER = "answer"


class AnswerOnly(StudentLoss):
    """Fine-tune on question -> gold answer only; needs no teacher (the replication baseline)."""

    name = "answer_only"

    class Options(ComponentOptions):
        prefix: str = Field("", description="Text before the question, e.g. `predict: `.")
        answer_cue: str = Field(ANSWER_CUE, description="Text after the question that asks for the answer.")

    def views(self, example: Example, annotations: dict[str, Annotation], task: Task) -> list[View]:
        return [View(example.id, self.inference_prompt(example, task), spaced(example.answer), ANSWER)]

    def inference_prompt(self, example: Example, task: Task) -> str:
        return student_prompt(self.options.prefix, task, example, self.options.answer_cue)

    def weights(self) -> dict[str, float]:
        return {ANSWER: 1.0}
