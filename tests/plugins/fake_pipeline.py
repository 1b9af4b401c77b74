"""Torch-free fake student, trainer, loss, strategy and oracle teacher for runner tests.

The fake student "learns" by memorising answer views and, once it has seen ``generalise_after``
examples, answers any "what is N?" with N: accuracy moves from 0 to 1 only if the loop really
annotated, trained and evaluated.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import Field

from distillkit import hookimpl
from distillkit.components import (
    ComponentOptions,
    RationaleStrategy,
    SampleSelector,
    StudentLoss,
    StudentModel,
    Teacher,
    Trainer,
    TrainResult,
)
from distillkit.components.strategy import STUDENT_OUTPUT
from distillkit.errors import TransientTeacherError
from distillkit.types import ParsedRationale, Selection, View

CALLS: list[str] = []  # prompts the oracle actually answered (not cached), across a test
CONTEXTS: list[dict] = []  # the request context of each of those calls
CRASH_IN_ROUND: dict[str, int | None] = {"round": None}  # set by a test to simulate a crash mid-run


class OracleTeacher(Teacher):
    """Explains the gold answer; can be told to fail transiently."""

    name = "fake_oracle"

    class Options(Teacher.Options):
        fail_first: int = Field(0, ge=0, description="Raise a transient error on the first N calls.")

    def generate_request(self, request):
        if len(CALLS) < self.options.fail_first and not getattr(self, "_failed", 0) >= self.options.fail_first:
            self._failed = getattr(self, "_failed", 0) + 1
            raise TransientTeacherError("simulated 503", retry_after=0)
        CALLS.append(request.prompt)
        CONTEXTS.append(dict(request.context))
        return f"Count up. So the answer is {request.example.answer}."


class LastWordStrategy(RationaleStrategy):
    """Prompt = the question; answer = the last word."""

    name = "fake_last_word"

    def build_prompt(self, example):
        return f"Q: {example.question}"

    def parse(self, raw, example):
        words = raw.split()
        if not words:
            return ParsedRationale(None, None, error="empty output")
        return ParsedRationale(raw, words[-1].strip("."))


class GradeStudentStrategy(LastWordStrategy):
    """Shows the teacher the student's own output (a method that is not ELAD, on the same channel)."""

    name = "fake_grade_student"
    needs = frozenset({STUDENT_OUTPUT})
    purpose = "grading"

    def build_prompt(self, example):
        return f"Q: {example.question} Student said: {self.ctx.student_outputs[example.id]}"

    def request_context(self, example):
        return {"said": self.ctx.student_outputs[example.id]}


class KeptOutputSelector(SampleSelector):
    """Selects the first k items and keeps an output for every other one (as a probing selector would)."""

    name = "fake_kept_output"

    def select(self, pool, k, ctx):
        return [Selection(e, 0.0, {}, f"kept {e.id}" if i % 2 == 0 else None) for i, e in enumerate(pool[:k])]


class MemoStudent(StudentModel):
    """Memorises answers; generalises after enough examples."""

    name = "fake_memo"

    class Options(ComponentOptions):
        generalise_after: int = Field(2, ge=1, description="Examples needed before it generalises.")

    def load(self, path=None):
        self.model = json.loads((Path(path) / "memory.json").read_text()) if path else {}
        self.tokenizer = None
        return self.model, self.tokenizer

    def generate(self, prompts, *, max_new_tokens=64, num_samples=1, temperature=0.0, seed=0):
        out = []
        for p in prompts:
            if p in self.model:
                out.append([self.model[p]] * num_samples)
            elif len(self.model) >= self.options.generalise_after:
                out.append([re.findall(r"\d+", p)[-1]] * num_samples)
            else:
                out.append(["?"] * num_samples)
        return out

    def save(self, path):
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "memory.json").write_text(json.dumps(self.model))


class TeacherAnswerLoss(StudentLoss):
    """One view per ok teacher annotation: question -> the teacher's answer."""

    name = "fake_teacher_answer"

    def views(self, example, annotations, task):
        return [View(example.id, self.inference_prompt(example, task), a.answer, f"rationale:{t}")
                for t, a in annotations.items() if a.ok]

    def inference_prompt(self, example, task):
        return example.question


class MemoTrainer(Trainer):
    """Writes every view into the student's memory; crashes in round CRASH_IN_ROUND["round"]."""

    name = "fake_memo_trainer"

    def train(self, job):
        round_idx = int(job.out_dir.parent.name)
        if CRASH_IN_ROUND["round"] == round_idx:
            raise RuntimeError("simulated crash")
        for v in job.views:
            job.student.model[v.prompt] = v.target
        best = job.evaluate()
        job.emit("train_log", {"step": 1, "loss": 1.0 - best.get("accuracy", 0.0)})
        return TrainResult(steps=1, history=[{"step": 1, "loss": 0.5}], best=best, best_step=1)


@hookimpl
def register_teacher_backends(register):
    register(OracleTeacher)


@hookimpl
def register_rationale_strategies(register):
    register(LastWordStrategy)
    register(GradeStudentStrategy)


@hookimpl
def register_sample_selectors(register):
    register(KeptOutputSelector)


@hookimpl
def register_student_models(register):
    register(MemoStudent)


@hookimpl
def register_student_losses(register):
    register(TeacherAnswerLoss)


@hookimpl
def register_trainers(register):
    register(MemoTrainer)
