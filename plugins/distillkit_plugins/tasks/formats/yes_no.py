"""Yes/no answers: "Yes, ... so no" -> no; "True"/"False" read as yes/no."""

from __future__ import annotations

import re

from distillkit.types import Example
from distillkit_plugins.tasks.formats.final_answer import Mention, StatedAnswerFormat

CANONICAL = {"yes": "yes", "no": "no", "true": "yes", "false": "no"}
WORD = re.compile(r"(?i)\b(yes|no|true|false)\b")
# Outside an answer span, "no" must stand alone ("No, ..." / "... no.") so "no evidence" is not an answer.
STANDALONE = re.compile(r"""^\s*(?:[.,!;:)\]"'*]|$)""")


class YesNoFormat(StatedAnswerFormat):
    """Canonical answers "yes" and "no"; "true"/"false" count as yes/no.

    Inside an answer span the first yes/no word wins ("the answer is no, because yes...").
    With no marker, a reply that starts with its answer ("Yes. Because ...") is read from its
    first word; otherwise only standalone words count, yes/no over true/false, the last one wins.
    """

    name = "yes_no"

    def normalize(self, answer: str) -> str:
        text = super().normalize(answer)
        first = WORD.match(text)
        return CANONICAL[first.group(1)] if first else text

    def mentions(self, text: str, example: Example) -> list[Mention]:
        return [
            Mention(m.start(), m.end(), CANONICAL[m.group(1).lower()])
            for m in WORD.finditer(text)
            if STANDALONE.match(text[m.end() :])
        ]

    def pick_in_text(self, text: str, example: Example) -> str | None:
        # Answer-first replies ("Yes. Boolean algebra uses true and false...") state the answer up
        # front; elsewhere a yes/no word outranks a true/false used in the explanation.
        first = WORD.match(text.strip(" \t\n:*\"'("))
        if first:
            return CANONICAL[first.group(1).lower()]
        found = self.affirmed(text, example)
        plain = [m for m in found if text[m.start : m.end].lower() in ("yes", "no")]
        return (plain or found)[-1].value if found else None

    def pick_in_span(self, span: str, example: Example) -> str | None:
        first = WORD.match(span.strip(" \t:*\"'("))
        if first:
            return CANONICAL[first.group(1).lower()]
        return super().pick_in_span(span, example)
