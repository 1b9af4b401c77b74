"""Reading a teacher's verdict on a student's explanation ("Verdict: step 3 is wrong").

The ``teacher_revision`` prompt asks for one verdict line, the last line of the reply::

    Verdict: all steps correct
    Verdict: final answer is wrong
    Verdict: step K is wrong          (or "step K is missing")
    Verdict: no steps found

which is also what the programmatic ``synthetic_solver`` writes. Real LLMs drift, so the reader
is lenient: any case, markdown emphasis, the line anywhere in the reply, and without a
"Verdict:" line the usual phrasings ("the first wrong step is step 2", "there is an error in
step 2", "all steps are correct"). A verdict it cannot read is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

VerdictKind = Literal["correct", "answer_wrong", "step_wrong", "no_steps"]

_VERDICT_LINE = re.compile(r"(?im)^[ \t>*_#-]*verdict[ \t*_]*[:\-][ \t]*(?P<text>.*?)[ \t*_.]*$")
_NO_STEPS = re.compile(r"(?i)\bno\s+steps?\b")
_STEP_K = re.compile(r"(?i)\bstep\s*#?\s*(?P<k>\d+)")
_MISSING = re.compile(r"(?i)\bmissing\b")
_ANSWER_WRONG = re.compile(r"(?i)\banswer\s+(?:is\s+)?(?:wrong|incorrect|not\s+correct)\b")
_CORRECT = re.compile(r"(?i)\b(?:all|every)\b.*\bcorrect\b|\bno\s+(?:errors?|mistakes?|wrong\s+steps?)\b|^\W*correct\b")
_NEGATED = re.compile(r"(?i)\bincorrect\b|\bnot\s+(?:all\s+)?correct\b")
# Phrasings accepted when the reply has no "Verdict:" line (checked in this order).
_LOOSE = (
    ("step_wrong", re.compile(r"(?i)\b(?:first\s+)?(?:wrong|incorrect|erroneous)\s+step\s+(?:is\s+)?(?:step\s*)?#?(?P<k>\d+)")),
    ("step_wrong", re.compile(r"(?i)\bstep\s*#?\s*(?P<k>\d+)\s+(?:is|was)\s+(?:wrong|incorrect|missing)")),
    ("step_wrong", re.compile(r"(?i)\b(?:error|mistake)\s+(?:is\s+)?in\s+step\s*#?\s*(?P<k>\d+)")),
    ("correct", re.compile(r"(?i)\ball\s+(?:the\s+)?(?:student's\s+)?steps\s+are\s+(?:correct|right)")),
)


@dataclass(frozen=True)
class Verdict:
    """What the teacher concluded; ``step`` is the 1-based first wrong step for ``step_wrong``."""

    kind: VerdictKind
    step: int | None = None
    missing: bool = False  # "step K is missing": the student stopped before step K
    line: str | None = None  # the verdict line as written (removed from the rationale)


class VerdictError(ValueError):
    """The reply has a verdict line that says nothing readable."""


def read_verdict_text(text: str) -> Verdict:
    """Classify the text after "Verdict:"; raises ``VerdictError`` when it is unreadable."""
    if _NO_STEPS.search(text):
        return Verdict("no_steps")
    step = _STEP_K.search(text)
    if step:
        k = int(step.group("k"))
        if k < 1:
            raise VerdictError(f"verdict names step {k}; steps are numbered from 1")
        return Verdict("step_wrong", k, bool(_MISSING.search(text)))
    if _ANSWER_WRONG.search(text):
        return Verdict("answer_wrong")
    if _CORRECT.search(text) and not _NEGATED.search(text):
        return Verdict("correct")
    raise VerdictError(f"unreadable verdict {text.strip()[:80]!r}; expected e.g. 'all steps correct', "
                       "'step 2 is wrong', 'final answer is wrong'")


def find_verdict(reply: str) -> Verdict | None:
    """The verdict of ``reply`` (its last "Verdict:" line, else a loose phrasing), or None."""
    lines = list(_VERDICT_LINE.finditer(reply))
    if lines:
        last = lines[-1]
        found = read_verdict_text(last.group("text"))
        return Verdict(found.kind, found.step, found.missing, last.group(0))
    for kind, pattern in _LOOSE:
        match = pattern.search(reply)
        if match:
            step = int(match.group("k")) if "k" in pattern.groupindex else None
            if step is not None and step < 1:
                continue
            return Verdict(kind, step, line=_line_at(reply, match.start()))  # type: ignore[arg-type]
    return None


def _line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start:] if end < 0 else text[start:end]


def without_verdict(reply: str, verdict: Verdict | None) -> str:
    """``reply`` without the line that carries its verdict (that line is not reasoning to learn)."""
    if verdict is None or verdict.line is None:  # drop unreadable "Verdict:" lines all the same
        return _VERDICT_LINE.sub("", reply).strip()
    head, _, tail = reply.rpartition(verdict.line)
    return (head + tail).strip()
