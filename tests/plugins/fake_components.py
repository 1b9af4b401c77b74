"""A self-contained plugin of fake components for core tests (no torch, no data files)."""

from __future__ import annotations

from pydantic import Field

from distillkit import hookimpl
from distillkit.components import ComponentOptions, CrossCheck, StudentLoss, Task, Teacher
from distillkit.components.answer_format import AnswerFormat
from distillkit.types import Example, Splits, View


class EchoTeacher(Teacher):
    """Answers every prompt with a fixed rationale (for tests)."""

    name = "fake_echo"

    class Options(Teacher.Options):
        reply: str = Field("because. So the answer is 1.", description="What to answer.")

    def generate_one(self, prompt: str) -> str:
        return self.options.reply


class ScoringTeacher(EchoTeacher):
    """A fake teacher that can score tokens."""

    name = "fake_scorer"
    capabilities = frozenset({"generate", "score"})


class FirstWord(AnswerFormat):
    def extract(self, text, example):
        words = text.split()
        return words[-1].strip(".") if words else None


class CountingTask(Task):
    """n examples whose answer is their index (for tests)."""

    name = "fake_counting"

    class Options(ComponentOptions):
        size: int = Field(6, ge=3, description="Examples in total.")

    @property
    def answer_format(self):
        return FirstWord()

    def load(self):
        ex = [Example(id=str(i), question=f"what is {i}?", answer=str(i)) for i in range(self.options.size)]
        third = len(ex) // 3
        return Splits(ex[:third], ex[third:2 * third], ex[2 * third:])


class LogitLoss(StudentLoss):
    """A fake loss that needs teachers able to score tokens."""

    name = "fake_logit"
    requires_teacher_capabilities = frozenset({"score"})

    class Options(ComponentOptions):
        teacher: str = Field(description="Teacher id whose logits are matched.")

    def teacher_ids(self):
        return [self.options.teacher]

    def views(self, example, annotations, task):
        return [View(example.id, example.question, example.answer, "answer")]

    def inference_prompt(self, example, task):
        return example.question

    @classmethod
    def cross_check(cls, options, pipeline):
        if pipeline.spec.rounds.count > 5:
            return [CrossCheck(location="teacher", message="fake check: too many rounds")]
        return []


@hookimpl
def register_teacher_backends(register):
    register(EchoTeacher)
    register(ScoringTeacher)


@hookimpl
def register_tasks(register):
    register(CountingTask)


@hookimpl
def register_student_losses(register):
    register(LogitLoss)
