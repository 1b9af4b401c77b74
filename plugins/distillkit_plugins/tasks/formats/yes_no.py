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

    Inside an answer span the first yes/no word wins ("the answer is no, because yes...");
    elsewhere only standalone words count and the last one wins ("Yes, ... so no" -> no).
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

    def pick_in_span(self, span: str, example: Example) -> str | None:
        first = WORD.match(span.strip(" \t:*\"'("))
        if first:
            return CANONICAL[first.group(1).lower()]
        return super().pick_in_span(span, example)
