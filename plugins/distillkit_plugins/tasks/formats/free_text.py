"""Free-form short answers ("Paris", "the Eiffel Tower"), compared after SQuAD-style normalisation."""

from __future__ import annotations

import re
import string

from distillkit.types import Example
from distillkit_plugins.tasks.formats.final_answer import StatedAnswerFormat

ARTICLES = re.compile(r"\b(a|an|the)\b")
PUNCT = str.maketrans("", "", string.punctuation)


class FreeTextFormat(StatedAnswerFormat):
    """A short text answer: the rest of the answer sentence, or the last non-empty line.

    ``normalize`` lower-cases and drops punctuation and articles, so "The Eiffel Tower." equals
    "eiffel tower". ``example.meta["aliases"]`` (a list) lists other accepted answers.
    """

    name = "free_text"
    weak_markers = False  # "..., so I recall it" rarely introduces a short answer

    def normalize(self, answer: str) -> str:
        text = ARTICLES.sub(" ", answer.lower().translate(PUNCT))
        return " ".join(text.split())

    def pick_in_span(self, span: str, example: Example) -> str | None:
        answer = span.strip().strip("*\"'`:").strip()
        return answer if self.normalize(answer) else None

    def pick_in_text(self, text: str, example: Example) -> str | None:
        lines = [line.strip() for line in text.splitlines() if self.normalize(line)]
        return lines[-1].rstrip(".") if lines else None

    def is_correct(self, predicted: str | None, example: Example) -> bool:
        if predicted is None:
            return False
        golds = [example.answer, *example.meta.get("aliases", ())]
        return self.normalize(predicted) in {self.normalize(g) for g in golds}
