"""``multitask_rationale``: TinyLLM / distilling step-by-step multi-task loss over any number of teachers."""

from __future__ import annotations

from collections import Counter

from pydantic import Field, model_validator

from distillkit.components import ComponentOptions, StudentLoss, Task
from distillkit.types import Annotation, Example, View
from distillkit_plugins.training.view_text import ANSWER_CUE, spaced, student_prompt, usable_rationale

ANSWER = "answer"


class RationaleSource(ComponentOptions):
    """One teacher whose rationales the student learns, told apart by its task prefix."""

    teacher: str = Field(..., description="Teacher id (from `teachers`).")
    prefix: str = Field("explain: ", description="Task prefix of this teacher's rationale view.")
    weight: float = Field(1.0, ge=0, description="alpha_m: weight of this teacher's rationale loss.")


class MultitaskRationale(StudentLoss):
    """TinyLLM loss: gamma * CE(answer view) + sum_m alpha_m * CE(rationale view of teacher m).

    Each example gives a ``predict:`` view (question -> answer text; the only view used at
    inference) and one view per teacher whose annotation is usable (``<prefix_m>`` question ->
    that teacher's rationale). CE is the token mean per view; components are ``answer`` and
    ``rationale:<teacher>``. Missing or failed annotations just give no view; ``skipped`` counts
    them by teacher and reason. Decoder-only students end each prompt with a cue
    (``answer_cue`` / ``rationale_cue``) and are trained on the target tokens only.
    """

    name = "multitask_rationale"

    class Options(ComponentOptions):
        answer_prefix: str = Field("predict: ", description="Task prefix of the answer view (and of inference).")
        answer_weight: float = Field(1.0, ge=0, description="gamma: weight of the answer loss.")
        rationales: list[RationaleSource] = Field(
            ..., min_length=1, description="One entry per teacher: {teacher, prefix, weight}.",
        )
        answer_cue: str = Field(ANSWER_CUE, description="Text after the question in the answer view.")
        rationale_cue: str = Field("\nExplanation:", description="Text after the question in rationale views.")

        @model_validator(mode="after")
        def _distinct(self):
            teachers = [r.teacher for r in self.rationales]
            if len(set(teachers)) != len(teachers):
                raise ValueError(f"each teacher may appear once in rationales, got {teachers}")
            prefixes = [self.answer_prefix] + [r.prefix for r in self.rationales]
            if len(set(prefixes)) != len(prefixes):
                raise ValueError(f"task prefixes must differ so the student can tell the views apart, got {prefixes}"
                                 " (e.g. answer `predict: `, teachers `explain: `, `rationale: `)")
            return self

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skipped: Counter = Counter()

    def teacher_ids(self) -> list[str]:
        return [r.teacher for r in self.options.rationales]

    def views(self, example: Example, annotations: dict[str, Annotation], task: Task) -> list[View]:
        opts = self.options
        out = [View(example.id, self.inference_prompt(example, task), spaced(example.answer), ANSWER)]
        for source in opts.rationales:
            rationale = usable_rationale(annotations.get(source.teacher), self.skipped, source.teacher)
            if rationale is not None:
                prompt = student_prompt(source.prefix, task, example, opts.rationale_cue)
                out.append(View(example.id, prompt, spaced(rationale), f"rationale:{source.teacher}"))
        return out

    def inference_prompt(self, example: Example, task: Task) -> str:
        return student_prompt(self.options.answer_prefix, task, example, self.options.answer_cue)

    def weights(self) -> dict[str, float]:
        return {ANSWER: self.options.answer_weight,
                **{f"rationale:{r.teacher}": r.weight for r in self.options.rationales}}
