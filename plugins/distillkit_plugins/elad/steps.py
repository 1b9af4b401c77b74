"""Splitting a step-by-step explanation into its steps (ELAD cuts explanations after each step).

Three ways to tell steps apart, chosen per pipeline (``SplitMode``):

- ``lines``: one step per non-empty line (what the ``cot_sft`` student writes).
- ``step_markers``: a step starts at each "Step k:" / "Step k." marker (text before the first
  marker is a step of its own); an explanation without markers falls back to ``lines``.
- ``sentences``: one step per sentence (ends at . ! ? followed by a space, or at a newline;
  "3.5" does not end a sentence).

A trailing answer statement ("So the answer is 12.") is not a reasoning step: it is split off
and returned separately, so early answering and revision see the reasoning alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

SplitMode = Literal["lines", "step_markers", "sentences"]
SPLIT_MODES: tuple[str, ...] = ("lines", "step_markers", "sentences")

STEP_LABEL = re.compile(r"(?i)^\s*\**\s*step\s*#?\s*\d+\s*\**\s*[:.)\-]\s*")
_STEP_MARKER = re.compile(r"(?im)(?:^|(?<=\s))\**\s*step\s*#?\s*\d+\s*\**\s*[:.)\-]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# The statement that closes an explanation ("So the answer is 12", "Answer: 12", "#### 12").
ANSWER_STATEMENT = re.compile(
    r"(?i)^\W*(?:(?:so|therefore|thus|hence)\W+)?(?:the\s+)?(?:final\s+)?answer\s*(?:is\b|[:=])|^\W*####"
)

# Anywhere in a text: it commits to an answer (a bare last number in the reasoning does not count).
STATES_ANSWER = re.compile(r"(?i)\banswer\s*(?:is\b|[:=])|####")


@dataclass(frozen=True)
class Step:
    """One step: its text (stripped) and where it ends in the explanation (exclusive)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class SplitExplanation:
    """An explanation as reasoning ``steps`` plus the trailing ``answer_line`` (or None)."""

    source: str
    steps: tuple[Step, ...]
    answer_line: str | None

    def prefix(self, k: int) -> str:
        """The explanation exactly as written, up to the end of step ``k`` (1-based; 0 -> "")."""
        return self.source[: self.steps[k - 1].end] if k > 0 else ""

    @property
    def reasoning(self) -> str:
        """All steps, without the answer statement."""
        return self.prefix(len(self.steps))

    def texts(self, *, strip_labels: bool = False) -> list[str]:
        return [STEP_LABEL.sub("", s.text) if strip_labels else s.text for s in self.steps]


def _spans(text: str, boundaries: list[int]) -> list[Step]:
    steps = []
    edges = [0, *boundaries, len(text)]
    for a, b in pairwise(edges):
        piece = text[a:b]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            steps.append(Step(stripped, a + lead, a + lead + len(stripped)))
    return steps


def _line_steps(text: str) -> list[Step]:
    return _spans(text, [m.start() for m in re.finditer(r"\n", text)])


def _marker_steps(text: str) -> list[Step]:
    starts = [m.start() for m in _STEP_MARKER.finditer(text)]
    return _spans(text, starts) if starts else _line_steps(text)


def _sentence_steps(text: str) -> list[Step]:
    return _spans(text, [m.end() for m in _SENTENCE_END.finditer(text)])


_SPLITTERS = {"lines": _line_steps, "step_markers": _marker_steps, "sentences": _sentence_steps}


def split_explanation(text: str, mode: SplitMode = "lines") -> SplitExplanation:
    """Split ``text`` into steps with ``mode``; a last step that states the answer becomes ``answer_line``."""
    if mode not in _SPLITTERS:
        raise ValueError(f"unknown step splitter {mode!r}; valid: {', '.join(SPLIT_MODES)}")
    text = text or ""
    steps = _SPLITTERS[mode](text)
    answer_line = None
    if steps:
        last = steps[-1]
        # the statement may be the last step, or the last line of it ("Step 3: ...\nSo the answer is 9.")
        newline = text.rfind("\n", last.start, last.end)
        cut = newline + 1 if newline >= 0 else last.start
        tail = text[cut:last.end].strip()
        if ANSWER_STATEMENT.search(STEP_LABEL.sub("", tail)):
            answer_line = tail
            steps = steps[:-1]
            body = text[last.start:cut].rstrip()
            if body:
                steps.append(Step(body, last.start, last.start + len(body)))
    return SplitExplanation(text, tuple(steps), answer_line)
