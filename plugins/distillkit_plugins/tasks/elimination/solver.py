"""``elimination_solver``: a programmatic teacher for ``synthetic_elimination`` that misjudges and slips."""

from __future__ import annotations

import random

from pydantic import Field

from distillkit.components import Teacher, TeacherOptions
from distillkit.errors import TeacherError
from distillkit.types import Example, Generation, TeacherRequest
from distillkit_plugins.tasks.elimination.puzzles import Puzzle, SolvedStep, apply_clue, parse_step
from distillkit_plugins.tasks.synthetic.solver import STUDENT_EXPLANATION


class EliminationSolver(Teacher):
    """Solves synthetic_elimination puzzles one clue per line, and revises student explanations.

    Realistic in both ways a teacher fails: each step it WRITES slips with probability
    ``error_rate`` (an option ruled out wrongly or kept wrongly; later steps continue from the
    wrong list), the same per step in a full rationale and in a rewrite; and each student step it
    JUDGES (then the student's final answer) is misjudged with probability ``verdict_error_rate``
    (a wrong step passed, or a right one flagged). A revision keeps the student's lines up to the
    first step it judged wrong, rewrites from there (from the student's list at that point), then
    writes the answer line and one verdict line, the vocabulary of ``synthetic_solver``. A wrongly
    passed explanation keeps the student's own answer. Draws are seeded by (seed, example id,
    rationale or revision). Tokens are reported as whitespace-separated words of prompt and reply.
    """

    name = "elimination_solver"
    answers_from = "example"  # it solves request.example, whatever the prompt says

    class Options(TeacherOptions):
        error_rate: float = Field(0.0, ge=0.0, le=1.0, description="Probability that a step it writes slips.")
        verdict_error_rate: float = Field(
            0.0, ge=0.0, le=1.0, description="Probability that it misjudges a student step or final answer.")
        seed: int = Field(0, description="Seed of the draws (combined with each example id).")
        answer_phrase: str = Field("So the answer is", min_length=1, description="Words before the answer.")

    def generate_request(self, request: TeacherRequest) -> Generation:
        puzzle = _puzzle_of(request.example)
        explanation = request.context.get(STUDENT_EXPLANATION)
        rng = random.Random(f"{self.options.seed}:{request.example.id}:"
                            f"{'rationale' if explanation is None else 'revision'}")
        if explanation is None:
            lines, answer = self._write(puzzle.clues, puzzle.options, rng)
            text = "\n".join([*lines, self._answer_line(answer)])
        else:
            text = self._revise(puzzle, explanation, rng)
        return Generation(text, prompt_tokens=len(request.prompt.split()),
                          completion_tokens=len(text.split()))

    def _answer_line(self, answer: int) -> str:
        return f"{self.options.answer_phrase} {answer}."

    def _write(self, clues: tuple[str, ...], left: tuple[int, ...],
               rng: random.Random) -> tuple[list[str], int]:
        """Apply ``clues`` from the list ``left`` (which may already be wrong), with seeded slips."""
        lines = []
        for clue in clues:
            step = apply_clue(clue, left)
            if rng.random() < self.options.error_rate:
                step = _slip(step, rng)
            lines.append(step.render())
            left = step.left
        return lines, _pick(left, rng)

    def _judged_right(self, right: bool, rng: random.Random) -> bool:
        return right != (rng.random() < self.options.verdict_error_rate)

    def _revise(self, puzzle: Puzzle, explanation: str, rng: random.Random) -> str:
        written = [(line.strip(), s) for line in explanation.splitlines()
                   if (s := parse_step(line)) is not None]
        if not written:
            lines, answer = self._write(puzzle.clues, puzzle.options, rng)
            return "\n".join([*lines, self._answer_line(answer), "Verdict: no steps found"])
        gold = puzzle.solution()
        k = next((j for j, (_, s) in enumerate(written)
                  if not self._judged_right(j < len(gold) and s == gold[j], rng)), None)
        if k is None and len(written) < len(gold):
            k = len(written)  # nothing written to misjudge: the missing steps are seen
        kept = [line for line, _ in written[: k if k is not None else len(written)]]
        left = written[k - 1][1].left if k else puzzle.options
        if k is not None:
            lines, answer = self._write(puzzle.clues[k:], left, rng)
            state = "missing" if k >= len(written) else "wrong"
            return "\n".join([*kept, *lines, self._answer_line(answer), f"Verdict: step {k + 1} is {state}"])
        from distillkit_plugins.tasks.formats import NumericFormat

        stated = NumericFormat().extract(explanation, Example("", "", ""))
        if stated is not None and self._judged_right(stated == str(puzzle.answer), rng):
            return "\n".join([*kept, self._answer_line(int(stated)), "Verdict: all steps correct"])
        answer = _pick(written[-1][1].left, rng)
        return "\n".join([*kept, self._answer_line(answer), "Verdict: final answer is wrong"])


def _slip(step: SolvedStep, rng: random.Random) -> SolvedStep:
    """The step with one option wrongly kept or wrongly ruled out (the list stays non-empty)."""
    if step.ruled_out and (len(step.left) < 2 or rng.random() < 0.5):
        back = rng.choice(step.ruled_out)
        out = tuple(n for n in step.ruled_out if n != back)
        return SolvedStep(step.clue, out, tuple(sorted((*step.left, back))))
    if len(step.left) >= 2:
        out = rng.choice(step.left)
        left = tuple(n for n in step.left if n != out)
        return SolvedStep(step.clue, tuple(sorted((*step.ruled_out, out))), left)
    return step


def _pick(left: tuple[int, ...], rng: random.Random) -> int:
    """The answer from what is left: the one option, else a guess among them (any option if none)."""
    return left[0] if len(left) == 1 else rng.choice(left) if left else rng.randint(1, 30)


def _puzzle_of(example: Example) -> Puzzle:
    try:
        return Puzzle.from_meta(example.meta)
    except (KeyError, TypeError, ValueError) as exc:
        raise TeacherError(f"elimination_solver: example {example.id!r} is not a synthetic_elimination "
                           f"puzzle (meta needs 'options' and 'clues'): {exc!r}") from None
