"""Finding the final answer a generation states, shared by every answer format.

Generated reasoning mentions many candidate answers; the one that counts is the one the text
commits to last. ``StatedAnswerFormat.extract`` looks, in order, at:

1. the span after the LAST strong marker ("the answer is", "Answer:", "#### ", ``\\boxed{``,
   "I choose") that names a valid answer (earlier markers are tried when a later one names none);
2. the span after the last weak marker ("so", "therefore", "thus", "hence");
3. the whole text, where the last mention wins.

A span runs to the end of its sentence. Inside a span the first mention wins ("the answer is
(b) because (a) is wrong"), and mentions that are negated ("not (a) but (c)", "(a) is wrong")
never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from distillkit.components.answer_format import AnswerFormat
from distillkit.types import Example

STRONG_MARKERS = re.compile(
    r"""(?ix)
    \#\#\#\#
  | \\boxed\{
  | \b(?:final|correct|best|right)?\s*(?:answer|option|choice)\s+(?:is|would\s+be|will\s+be|should\s+be|must\s+be)\b\s*:?
  | \b(?:final\s+)?answer\s*[:=]
  | \bI\s+(?:would\s+|'d\s+|will\s+)?(?:choose|pick|select|go\s+with)\b
    """
)
WEAK_MARKERS = re.compile(r"(?i)\b(?:so|therefore|thus|hence|consequently)\b,?")
# A sentence ends at a newline or at . ! ? followed by space/end ("3.5" does not end one).
SENTENCE_END = re.compile(r"\n|[.!?](?=\s|$)|\}")
NEGATED_BEFORE = re.compile(
    r"(?i)(?:\bnot|n't|\bnever|\brather\s+than|\binstead\s+of|\bother\s+than|\bexcept|\bexclude|"
    r"\beliminate|\brule\s+out|\bruled\s+out)\s*(?:the\s+|an?\s+)?(?:option|choice|answer)?\s*[:(\"']?\s*$"
)
# After a mention only a verb phrase negates it: in "(b), not (a)" the "not" belongs to (a).
NEGATED_AFTER = re.compile(
    r"(?i)^\W{0,3}\s*(?:(?:is|are|was|would\s+be|seems)\s+(?:not\b|wrong|incorrect|false|ruled\s+out|eliminated)"
    r"|isn't|can\s+be\s+ruled\s+out|(?:wrong|incorrect)\b)"
)


@dataclass(frozen=True)
class Mention:
    """One place ``text[start:end]`` names a candidate answer, with its canonical ``value``."""

    start: int
    end: int
    value: str


def sentence_span(text: str, start: int) -> str:
    """``text`` from ``start`` to the end of that sentence."""
    match = SENTENCE_END.search(text, start)
    return text[start : match.start() if match else len(text)]


def is_negated(text: str, mention: Mention) -> bool:
    before = text[max(0, mention.start - 40) : mention.start]
    return bool(NEGATED_BEFORE.search(before) or NEGATED_AFTER.match(text[mention.end : mention.end + 30]))


def marker_spans(text: str, weak: bool = True) -> list[str]:
    """Candidate answer spans, most authoritative first (last strong marker, ..., last weak marker)."""
    spans = []
    for pattern in (STRONG_MARKERS, WEAK_MARKERS) if weak else (STRONG_MARKERS,):
        for match in reversed(list(pattern.finditer(text))):
            spans.append(sentence_span(text, match.end()))
    return spans


class StatedAnswerFormat(AnswerFormat):
    """An answer format whose ``extract`` follows the marker rules of this module.

    Subclasses implement ``mentions(text, example)``: every candidate answer in ``text``, in
    order, each with its canonical value. They may override ``pick_in_span`` / ``pick_in_text``,
    and set ``weak_markers = False`` when "so ..." rarely introduces the answer.
    """

    weak_markers = True

    def mentions(self, text: str, example: Example) -> list[Mention]:
        raise NotImplementedError

    def affirmed(self, text: str, example: Example) -> list[Mention]:
        return [m for m in self.mentions(text, example) if not is_negated(text, m)]

    def pick_in_span(self, span: str, example: Example) -> str | None:
        found = self.affirmed(span, example)
        return found[0].value if found else None

    def pick_in_text(self, text: str, example: Example) -> str | None:
        found = self.affirmed(text, example)
        return found[-1].value if found else None

    def extract(self, text: str, example: Example) -> str | None:
        if not text or not text.strip():
            return None
        for span in marker_spans(text, self.weak_markers):
            value = self.pick_in_span(span, example)
            if value is not None:
                return value
        value = self.pick_in_text(text, example)
        if value is None:  # a bare answer such as "B." names no mention outside an answer span
            last_line = [line for line in text.splitlines() if line.strip()][-1]
            value = self.pick_in_span(last_line, example)
        return value
