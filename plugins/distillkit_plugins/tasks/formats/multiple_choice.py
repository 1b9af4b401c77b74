"""Multiple-choice answers: "(b)", "B.", "option c", or the choice text itself -> the choice TEXT."""

from __future__ import annotations

import re

from distillkit.types import Example
from distillkit_plugins.tasks.formats.final_answer import Mention, StatedAnswerFormat

LETTER_FORMS = re.compile(
    r"""(?x)
    \(\s*(?P<paren>[A-Za-z])\s*\)                             # (b)
  | (?<![\w(])(?P<close>[A-Za-z])\)                           # b)
  | (?i:\b(?:option|choice|answer|letter)\s+)\(?(?P<named>[A-Za-z])\b\)?   # option B, choice (c)
    """
)
# At the start of an answer span a bare letter counts ("Answer: C", "the answer is b because"),
# but "a"/"A"/"I" followed by a word are an article or a pronoun ("the answer is a bird").
SPAN_LETTER = re.compile(
    r"""^\s*[*"']*(?:(?P<letter>[A-Za-z])(?=[.):,;!?*"']|\s*$|\s+[^a-z\s])|(?P<upper>[B-HJ-Zb-hj-z])(?=\s))"""
)
BARE_LETTER = re.compile(r"(?i)\s*(?:option\s+|choice\s+)?\(?([a-z])[).:]?\s*")


def letter_index(letter: str, n_choices: int) -> int | None:
    index = ord(letter.lower()) - ord("a")
    return index if 0 <= index < n_choices else None


class MultipleChoiceFormat(StatedAnswerFormat):
    """One of ``example.choices``; canonical answer = the choice text (TinyLLM trains on it).

    ``extract`` understands letters ("(b)", "b)", "B.", "option b", a bare letter right after an
    answer marker) and the choice texts themselves (the longest one wins where texts overlap),
    for any number of choices. Letters beyond the number of choices are ignored.
    """

    name = "multiple_choice"

    def resolve(self, answer: str, example: Example) -> int | None:
        """Index of the choice ``answer`` names (its text, a letter form, or one unambiguous mention)."""
        wanted = self.normalize(answer)
        for i, choice in enumerate(example.choices):
            if self.normalize(choice) == wanted:
                return i
        bare = BARE_LETTER.fullmatch(answer)
        if bare:
            return letter_index(bare.group(1), len(example.choices))
        values = {m.value for m in self.affirmed(answer, example)}
        return example.choices.index(values.pop()) if len(values) == 1 else None

    def mentions(self, text: str, example: Example) -> list[Mention]:
        n = len(example.choices)
        found = []
        for m in LETTER_FORMS.finditer(text):
            group = next(g for g in ("paren", "close", "named") if m.group(g))
            index = letter_index(m.group(group), n)
            if index is not None:
                found.append(Mention(m.start(), m.end(), example.choices[index]))
        for choice in example.choices:
            words = [re.escape(w) for w in choice.split()]
            if not words:
                continue
            pattern = r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"
            found += [Mention(m.start(), m.end(), choice) for m in re.finditer(pattern, text, re.IGNORECASE)]
        return _drop_contained(found)

    def pick_in_span(self, span: str, example: Example) -> str | None:
        found = self.affirmed(span, example)
        lead = SPAN_LETTER.match(span)
        if lead:
            letter = lead.group("letter") or lead.group("upper")
            index = letter_index(letter, len(example.choices))
            at = lead.start("letter") if lead.group("letter") else lead.start("upper")
            if index is not None and not (found and found[0].start <= at):
                return example.choices[index]
        return found[0].value if found else None

    def is_correct(self, predicted: str | None, example: Example) -> bool:
        if predicted is None:
            return False
        got = self.resolve(predicted, example)
        return got is not None and got == self.resolve(example.answer, example)


def _drop_contained(mentions: list[Mention]) -> list[Mention]:
    """Sorted mentions without those inside a longer one ("cat" inside "wildcat food")."""
    ordered = sorted(mentions, key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for m in ordered:
        if kept and m.start >= kept[-1].start and m.end <= kept[-1].end:
            continue
        kept.append(m)
    return kept
