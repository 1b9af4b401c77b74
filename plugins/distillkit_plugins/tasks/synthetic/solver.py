"""``synthetic_solver``: a programmatic teacher for ``synthetic_arithmetic``, optionally noisy."""

from __future__ import annotations

import random
from typing import Literal

from pydantic import Field

from distillkit.components import Teacher, TeacherOptions
from distillkit.errors import TeacherError
from distillkit.types import Example, TeacherRequest
from distillkit_plugins.tasks.synthetic.problems import ArithmeticProblem
from distillkit_plugins.tasks.synthetic.steps import Step, WrittenStep, apply, parse_steps

# The ``TeacherRequest.context`` key of a student explanation to revise (what ELAD's
# ``teacher_revision`` strategy puts there); without it the solver writes a rationale.
STUDENT_EXPLANATION = "student_explanation"


class SyntheticSolver(Teacher):
    """Solves synthetic_arithmetic problems step by step (rationales and ELAD revisions), with seeded errors.

    Output for a request without a student explanation: one step per line ("7 + 5 = 12", or in the words style
    "Add 5 to 7 to get 12."), then ``"<answer_phrase> N."``. With ``error_rate`` > 0 each step
    is miscomputed (off by 1-3) with that probability, decided by a generator seeded from
    (seed, example id, and whether it revises), so reruns are identical; later steps continue from the wrong
    value, like a real noisy teacher.

    Output for a revision (``request.context["student_explanation"]`` is the student's text):
    the student's steps are read in order (either style, one per line) and recomputed against
    the problem. The lines of the correct prefix are kept verbatim, the solution is rewritten
    from the first wrong step (errors from ``error_rate`` apply to rewritten steps only), then
    the answer line, then exactly one verdict line, always the last line::

        Verdict: all steps correct          every step right and the stated answer right
        Verdict: final answer is wrong      every step right, the stated answer not
        Verdict: step K is wrong            K (1-based) is the first step that is miscomputed,
                                            starts from the wrong value, or is not the problem's
        Verdict: step K is missing          the first K-1 steps are right, then the text stops
        Verdict: no steps found             nothing step-like in the student's text

    The example must come from ``synthetic_arithmetic`` (``meta`` holds the steps) or have
    its question text ("Start with 7. Add 5. ...").
    """

    name = "synthetic_solver"
    answers_from = "example"  # it solves request.example, whatever the prompt says

    class Options(TeacherOptions):
        error_rate: float = Field(0.0, ge=0.0, le=1.0, description="Probability that a written step is miscomputed.")
        seed: int = Field(0, description="Seed of the error draws (combined with each example id).")
        style: Literal["equations", "words"] = Field("equations", description="How steps are written.")
        answer_phrase: str = Field(
            "So the answer is", min_length=1, description="Words before the final number on the answer line."
        )

    def generate_request(self, request: TeacherRequest) -> str:
        problem = _problem_of(request.example)
        explanation = request.context.get(STUDENT_EXPLANATION)
        task = "rationale" if explanation is None else "revision"  # seeds as before the context existed
        rng = random.Random(f"{self.options.seed}:{request.example.id}:{task}")
        if explanation is None:
            lines, answer = self._solve(problem.start, problem.steps, rng)
            return "\n".join([*lines, self._answer_line(answer)])
        return self._revise(problem, explanation, rng)

    def _answer_line(self, answer: int) -> str:
        return f"{self.options.answer_phrase} {answer}."

    def _solve(self, value: int, steps: tuple[Step, ...], rng: random.Random) -> tuple[list[str], int]:
        """Write ``steps`` starting from ``value`` (which may already be wrong), with seeded slips."""
        lines = []
        for gold in steps:
            result = apply(gold.op, value, gold.operand)
            if result is None:  # a wrong earlier value made the division inexact: carry on like a person
                result = value // gold.operand
            if rng.random() < self.options.error_rate:
                result = max(0, result + rng.choice([-3, -2, -1, 1, 2, 3]))
            lines.append(Step(value, gold.op, gold.operand, result).render(self.options.style))
            value = result
        return lines, value

    def _revise(self, problem: ArithmeticProblem, explanation: str, rng: random.Random) -> str:
        written = parse_steps(explanation)
        if not written:
            lines, answer = self._solve(problem.start, problem.steps, rng)
            return "\n".join([*lines, self._answer_line(answer), "Verdict: no steps found"])
        k = _first_wrong(problem.steps, written)
        if k is None:
            from distillkit_plugins.tasks.formats import NumericFormat

            stated = NumericFormat().extract(explanation, Example("", "", str(problem.answer)))
            verdict = "all steps correct" if stated == str(problem.answer) else "final answer is wrong"
            kept = [w.line for w in written]
            return "\n".join([*kept, self._answer_line(problem.answer), f"Verdict: {verdict}"])
        kept = [w.line for w in written[:k]]
        value = problem.steps[k - 1].result if k else problem.start
        lines, answer = self._solve(value, problem.steps[k:], rng)
        state = "missing" if k >= len(written) else "wrong"
        return "\n".join([*kept, *lines, self._answer_line(answer), f"Verdict: step {k + 1} is {state}"])


def _first_wrong(gold: tuple[Step, ...], written: list[WrittenStep]) -> int | None:
    """0-based index of the first written step that differs from the gold one (or is missing)."""
    for k, step in enumerate(gold):
        if k >= len(written) or written[k].step != step:
            return k
    return len(gold) if len(written) > len(gold) else None


def _problem_of(example: Example) -> ArithmeticProblem:
    try:
        if "steps" in example.meta and "start" in example.meta:
            return ArithmeticProblem.from_meta(example.meta)
    except (KeyError, TypeError, ValueError) as exc:
        raise TeacherError(f"synthetic_solver: example {example.id!r} has malformed meta steps: {exc}") from None
    problem = ArithmeticProblem.from_question(example.question)
    if problem is None:
        raise TeacherError(
            f"synthetic_solver: example {example.id!r} is not a synthetic_arithmetic problem "
            f"(no meta['steps'] and the question does not read 'Start with N. Add M. ...')"
        )
    return problem
