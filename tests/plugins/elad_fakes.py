"""Torch-free fake students and a fake chain-of-thought loss for the ELAD tests.

``ScriptedStudent`` answers only the prompts a test scripted (an unscripted prompt fails the
test, which is how tests check that a selector computes nothing it does not need) and records
every call. ``ArithmeticReasoner`` solves ``synthetic_arithmetic`` questions with a slip at a
step chosen from a hash of the question, and stops slipping on the questions it was trained on,
so ELAD's loop has something real to select, revise and learn.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

from distillkit_plugins.tasks.synthetic.problems import ArithmeticProblem
from pydantic import Field

from distillkit import hookimpl
from distillkit.components import ComponentOptions, StudentLoss, StudentModel
from distillkit.types import View

CUE = "\nSo the answer is"


class ScriptedStudent(StudentModel):
    """Replies from ``replies[prompt]`` (greedy: the first; sampled: the first n); logprobs from ``logprobs``."""

    name = "elad_fake_scripted"

    def script(self, replies: dict[str, list[str]], logprobs: dict[tuple[str, str], list[float]] | None = None):
        self.replies, self.logprobs, self.calls = replies, logprobs or {}, []
        return self

    def load(self, path=None):  # nothing to load: the script is the model
        return None, None

    def save(self, path):
        raise AssertionError("the scripted student is only queried, never saved")

    def generate(self, prompts, *, max_new_tokens=64, num_samples=1, temperature=0.0, seed=0):
        self.calls.append({"prompts": list(prompts), "num_samples": num_samples, "temperature": temperature})
        out = []
        for p in prompts:
            if p not in self.replies:
                raise AssertionError(f"unscripted prompt {p!r}")
            got = self.replies[p]
            out.append(got[:num_samples] if temperature > 0 else [got[0]] * num_samples)
        return out

    def continuation_logprobs(self, prompts, continuations):
        self.calls.append({"scored": list(zip(prompts, continuations))})
        return [self.logprobs[(p, c)] for p, c in zip(prompts, continuations)]


def _slip_step(question: str, n_steps: int, salt: str = "") -> int | None:
    """The step (0-based) this question's solution goes wrong at, or None (about 1 in 3 are right)."""
    h = int(hashlib.sha256((salt + question).encode()).hexdigest(), 16)
    k = h % (n_steps + max(1, n_steps // 2))
    return k if k < n_steps else None


def write_solution(problem: ArithmeticProblem, slip: int | None) -> str:
    lines, value = [], problem.start
    for i, step in enumerate(problem.steps):
        result = _apply(step.op, value, step.operand)
        if i == slip:
            result += 1
        lines.append(f"{value} {step.op} {step.operand} = {result}")
        value = result
    return "\n".join(lines) + f"{CUE} {value}."


def _apply(op: str, a: int, b: int) -> int:
    return {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0}[op]


class ArithmeticReasoner(StudentModel):
    """Writes "a op b = c" lines then "So the answer is N."; trained prompts are answered from memory."""

    name = "elad_fake_reasoner"

    class Options(ComponentOptions):
        sample_slip: float = Field(0.5, ge=0, le=1, description="Chance a sampled explanation slips elsewhere.")

    def load(self, path=None):
        self.model = json.loads((Path(path) / "memory.json").read_text()) if path else {}
        self.tokenizer = None
        return self.model, self.tokenizer

    def _one(self, prompt: str, rng: random.Random | None) -> str:
        if prompt in self.model:
            return self.model[prompt]
        if prompt.endswith(CUE):  # early answering: the last value written so far
            numbers = re.findall(r"-?\d+", prompt.split("Answer:\n", 1)[-1])
            return f" {numbers[-1]}." if numbers else " I don't know."
        problem = ArithmeticProblem.from_question(prompt)
        if problem is None:
            return "I cannot read this."
        # what it writes depends on how much it has learned, like a real student's weights
        slip = _slip_step(prompt, len(problem.steps), salt=str(len(self.model) // 4))
        if rng is not None and rng.random() < self.options.sample_slip:
            slip = rng.randrange(len(problem.steps) + 1)
            slip = slip if slip < len(problem.steps) else None
        return write_solution(problem, slip)

    def generate(self, prompts, *, max_new_tokens=64, num_samples=1, temperature=0.0, seed=0):
        rng = random.Random(seed) if temperature > 0 else None
        return [[self._one(p, rng) for _ in range(num_samples)] for p in prompts]

    def save(self, path):
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "memory.json").write_text(json.dumps(self.model))


class FakeCoTLoss(StudentLoss):
    """One view per ok annotation: question -> "<rationale>\\nSo the answer is <answer>"."""

    name = "elad_fake_cot"
    student_reasons = True

    def views(self, example, annotations, task):
        return [View(example.id, self.inference_prompt(example, task), f"{a.rationale}{CUE} {a.answer}.",
                     f"rationale:{tid}") for tid, a in annotations.items() if a.ok]

    def inference_prompt(self, example, task):
        return f"Question: {task.student_input(example)}\nAnswer:\n"


@hookimpl
def register_student_models(register):
    register(ScriptedStudent)
    register(ArithmeticReasoner)


@hookimpl
def register_student_losses(register):
    register(FakeCoTLoss)
