"""``cot_sft``: the student learns "rationale, then answer" as one target, so it reasons at inference."""

from __future__ import annotations

import string
from collections import Counter
from typing import Literal

from pydantic import Field, field_validator

from distillkit.components import ComponentOptions, StudentLoss, Task
from distillkit.types import Annotation, Example, View
from distillkit_plugins.training.view_text import student_prompt, usable_rationale

COT_CUE = "\nLet's think step by step.\n"


class CotSFT(StudentLoss):
    """Chain-of-thought fine-tuning: target = teacher rationale + "So the answer is <teacher's answer>".

    ``target_answer: teacher`` (default) trains on the answer the teacher stated, so the training
    pool needs no labels (ELAD's unlabeled pool); an annotation without an answer gives no view
    (skipped as ``no_answer``). ``target_answer: gold`` uses the dataset's answer instead. With ``teacher`` set, one view per example from that teacher; with ``teacher: null``, one
    view per teacher whose annotation is usable (component ``cot:<teacher>`` each, weight 1).
    Examples without a usable rationale give no view; ``skipped`` counts them by teacher and reason.
    """

    name = "cot_sft"
    student_reasons = True

    class Options(ComponentOptions):
        teacher: str | None = Field(None, description="Teacher id whose rationales to learn; null: every teacher.")
        template: str = Field(
            "{rationale}\nSo the answer is {answer}",
            description="The target; must contain {rationale} and {answer} (see target_answer).",
        )
        target_answer: Literal["teacher", "gold"] = Field(
            "teacher", description="The {answer} of the target: the teacher's stated answer (the pool needs no "
            "labels) or the dataset's gold answer.")
        prefix: str = Field("", description="Text before the question.")
        cue: str = Field(COT_CUE, description="Text after the question that starts the reasoning.")

        @field_validator("template")
        @classmethod
        def _placeholders(cls, value: str) -> str:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
            if names != {"rationale", "answer"}:
                raise ValueError(f"template must use exactly {{rationale}} and {{answer}}, got {sorted(names)}")
            return value

    @property
    def uses_gold_answer(self) -> bool:
        return self.options.target_answer == "gold"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skipped: Counter = Counter()

    def teacher_ids(self) -> list[str]:
        return [self.options.teacher] if self.options.teacher else []

    def views(self, example: Example, annotations: dict[str, Annotation], task: Task) -> list[View]:
        prompt = self.inference_prompt(example, task)
        out = []
        for teacher in self.teacher_ids() or sorted(annotations):
            rationale = usable_rationale(annotations.get(teacher), self.skipped, teacher)
            if rationale is None:
                continue
            answer = self._answer(example, annotations[teacher])
            if answer is None:
                self.skipped[f"{teacher}:no_answer"] += 1
                continue
            target = self.options.template.format(rationale=rationale, answer=answer)
            out.append(View(example.id, prompt, target, f"cot:{teacher}"))
        return out

    def _answer(self, example: Example, annotation: Annotation) -> str | None:
        if self.options.target_answer == "gold":
            return example.answer.strip()
        return annotation.answer.strip() if (annotation.answer or "").strip() else None

    def inference_prompt(self, example: Example, task: Task) -> str:
        return student_prompt(self.options.prefix, task, example, self.options.cue)
