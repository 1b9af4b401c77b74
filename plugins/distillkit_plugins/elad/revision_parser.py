"""Turning a teacher's revision of a student explanation into a training rationale.

The reply is read as: a solution (the student's correct steps copied, the rest rewritten, an
answer line) plus a verdict (``verdict.py``). The outcome is one of

- ``kept``: the verdict is "all steps correct" and ``keep_correct_student_explanation`` is on:
  the student's own reasoning is the rationale (the teacher only had to judge it);
- ``revised``: a wrong step K (or a wrong final answer): the teacher's solution, whose first
  ``kept_steps`` steps are the student's own; a reply that skipped the copy of steps 1..K-1
  (starting at "Step K") gets the student's steps put back in front;
- ``full``: the teacher's own complete solution, when ``fallback_to_full_rationale`` is on and
  the student had no steps, the reply has no verdict, the verdict is "all correct" while the
  student's text is not to be kept, or the verdict is unreadable; ``fallback`` says why;
- ``error``: nothing usable; ``error`` says why (the engine counts it as a parse error).

A JSON reply (structured output) is first turned into that text (``structured_reply``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from distillkit.components.answer_format import AnswerFormat
from distillkit.types import Example, ParsedRationale
from distillkit_plugins.basic.rationale_parsing import cut_runaway, split_final_answer
from distillkit_plugins.elad.steps import STEP_LABEL, SplitExplanation, SplitMode, split_explanation
from distillkit_plugins.elad.structured_reply import reply_as_text
from distillkit_plugins.elad.verdict import Verdict, VerdictError, find_verdict, without_verdict

OutcomeKind = Literal["kept", "revised", "full", "error"]
_LABEL_NUMBER = re.compile(r"(?i)^\W*step\s*#?\s*(\d+)")


@dataclass(frozen=True)
class RevisionRules:
    keep_correct_student_explanation: bool = True
    fallback_to_full_rationale: bool = True
    step_splitter: SplitMode = "lines"
    match_student_style: bool = True  # drop "Step k:" labels the student does not write itself


@dataclass(frozen=True)
class RevisionOutcome:
    kind: OutcomeKind
    rationale: str | None = None
    answer: str | None = None
    verdict: Verdict | None = None
    kept_steps: int = 0  # student steps at the start of the rationale, unchanged
    error: str | None = None
    fallback: str | None = None  # kind "full": why the teacher's whole solution was used

    def to_parsed(self) -> ParsedRationale:
        if self.kind == "error":
            return ParsedRationale(None, None, error=self.error or "unusable revision")
        return ParsedRationale(self.rationale, self.answer)


@dataclass(frozen=True)
class _Solution:
    """The teacher's solution part of the reply: its steps and its stated answer."""

    steps: SplitExplanation
    answer: str | None


def _solution(body: str, example: Example, fmt: AnswerFormat, mode: SplitMode) -> _Solution:
    reasoning, span = split_final_answer(body)
    answer = fmt.extract(span, example) if span else None
    return _Solution(split_explanation(reasoning, mode), answer)


def _norm(step: str) -> str:
    return " ".join(STEP_LABEL.sub("", step).lower().split()).rstrip(".")


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    while n < min(len(a), len(b)) and _norm(a[n]) == _norm(b[n]):
        n += 1
    return n


def _joiner(mode: SplitMode) -> str:
    return " " if mode == "sentences" else "\n"


def parse_revision(reply: str, student: SplitExplanation, example: Example, fmt: AnswerFormat,
                   rules: RevisionRules) -> RevisionOutcome:
    """Read ``reply`` (the teacher's raw output) against the ``student``'s split explanation."""
    if reply is None or not reply.strip():
        return RevisionOutcome("error", error="empty output")
    reply = cut_runaway(reply_as_text(reply.strip()))
    try:
        verdict = find_verdict(reply)
    except VerdictError as exc:
        return _full_or_error(reply, None, example, fmt, rules, str(exc))
    if verdict is None:
        return _full_or_error(reply, None, example, fmt, rules, "no verdict line (expected 'Verdict: ...')")
    if verdict.kind == "no_steps" or not student.steps:
        return _full_or_error(reply, verdict, example, fmt, rules, "the student's explanation has no steps")
    if verdict.kind == "correct":
        return _correct(reply, verdict, student, example, fmt, rules)
    return _revised(reply, verdict, student, example, fmt, rules)


def _full_or_error(reply: str, verdict: Verdict | None, example: Example, fmt: AnswerFormat,
                   rules: RevisionRules, why: str) -> RevisionOutcome:
    if not rules.fallback_to_full_rationale:
        return RevisionOutcome("error", verdict=verdict, error=f"{why}; fallback_to_full_rationale is off")
    sol = _solution(without_verdict(reply, verdict), example, fmt, rules.step_splitter)
    if not sol.steps.steps:
        return RevisionOutcome("error", verdict=verdict, error=f"{why}, and the reply has no solution steps")
    if sol.answer is None:
        return RevisionOutcome("error", verdict=verdict, error=f"{why}, and the reply states no final answer")
    return RevisionOutcome("full", _join(sol.steps.texts(), rules), sol.answer, verdict, fallback=why)


def _correct(reply: str, verdict: Verdict, student: SplitExplanation, example: Example, fmt: AnswerFormat,
             rules: RevisionRules) -> RevisionOutcome:
    if not rules.keep_correct_student_explanation:
        return _full_or_error(reply, verdict, example, fmt, rules,
                              "verdict: all steps correct, and keep_correct_student_explanation is off")
    sol = _solution(without_verdict(reply, verdict), example, fmt, rules.step_splitter)
    stated = fmt.extract(student.answer_line, example) if student.answer_line else None
    answer = sol.answer or stated
    if answer is None:
        return RevisionOutcome("error", verdict=verdict, error="verdict: all steps correct, but neither the "
                               "teacher nor the student states a final answer")
    return RevisionOutcome("kept", student.reasoning, answer, verdict, kept_steps=len(student.steps))


def _revised(reply: str, verdict: Verdict, student: SplitExplanation, example: Example, fmt: AnswerFormat,
             rules: RevisionRules) -> RevisionOutcome:
    sol = _solution(without_verdict(reply, verdict), example, fmt, rules.step_splitter)
    if sol.answer is None:
        return RevisionOutcome("error", verdict=verdict, error=f"verdict {_say(verdict)}, but the revision "
                               "states no final answer (expected 'So the answer is ...')")
    mine, theirs = student.texts(), sol.steps.texts()
    if not theirs:
        if verdict.kind == "answer_wrong":  # every step right: the student's steps with the right answer
            return RevisionOutcome("revised", student.reasoning, sol.answer, verdict, kept_steps=len(mine))
        return RevisionOutcome("error", verdict=verdict, error=f"verdict {_say(verdict)}, but no rewritten steps follow")
    kept = _common_prefix(mine, theirs)
    k = verdict.step
    if k and k > 1 and kept == 0 and _label_number(theirs[0]) == k:  # the reply starts at step K
        theirs, kept = mine[: k - 1] + theirs, min(k - 1, len(mine))
    if rules.match_student_style and not any(STEP_LABEL.match(s) for s in mine):
        theirs = [STEP_LABEL.sub("", s) for s in theirs]
    return RevisionOutcome("revised", _join(theirs, rules), sol.answer, verdict, kept_steps=kept)


def _label_number(step: str) -> int | None:
    match = _LABEL_NUMBER.match(step)
    return int(match.group(1)) if match else None


def _join(steps: list[str], rules: RevisionRules) -> str:
    return _joiner(rules.step_splitter).join(steps)


def _say(verdict: Verdict) -> str:
    return f"'step {verdict.step} is wrong'" if verdict.kind == "step_wrong" else f"'{verdict.kind}'"
