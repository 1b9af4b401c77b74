"""Numeric answers (GSM8K style): "#### 1,234", "The answer is $18.", "= 42", with a tolerance."""

from __future__ import annotations

import re
from decimal import Decimal

from distillkit.types import Example
from distillkit_plugins.tasks.formats.final_answer import Mention, StatedAnswerFormat
from distillkit_plugins.tasks.formats.numbers import (
    NUMBER,
    NUMBER_WORD,
    WORDS,
    format_number,
    number_value,
    parse_number,
)

SPACED_MINUS = re.compile(r"^\s*[-\u2212]\s+(?=\d)")


class NumericFormat(StatedAnswerFormat):
    """A number, compared within ``tolerance + relative_tolerance * |gold|``.

    Canonical form: plain decimal text without thousands separators, exponent or trailing
    zeros ("1,234.50" -> "1234.5"). Units, currency and percent signs around the number are
    ignored. In an answer span the number after the span's last "=" wins ("so 3 + 5 = 8"), else
    the first number; in free text, the last number. Number words up to twenty (and tens) count
    in an answer span with no digits ("the answer is twelve").
    """

    name = "numeric"

    def __init__(self, tolerance: float = 0.0, relative_tolerance: float = 0.0):
        self.tolerance = Decimal(str(tolerance))
        self.relative_tolerance = Decimal(str(relative_tolerance))

    def normalize(self, answer: str) -> str:
        value = parse_number(answer)
        return format_number(value) if value is not None else super().normalize(answer)

    def mentions(self, text: str, example: Example) -> list[Mention]:
        found = [
            Mention(m.start(), m.end(), format_number(v))
            for m in NUMBER.finditer(text)
            if (v := number_value(m)) is not None
        ]
        return found

    def pick_in_span(self, span: str, example: Example) -> str | None:
        span = SPACED_MINUS.sub("-", span)  # "the answer is - 10": a sign, not an operator
        found = self.affirmed(span, example)
        if not found:
            words = NUMBER_WORD.findall(span)
            return str(WORDS[words[0].lower()]) if words else None
        if "=" in span:  # "so 3 + 5 = 8": the result, not the first operand
            after = [m for m in found if m.start > span.rindex("=")]
            if after:
                return after[0].value
        return found[0].value

    def is_correct(self, predicted: str | None, example: Example) -> bool:
        if predicted is None:
            return False
        got, gold = parse_number(predicted), parse_number(example.answer)
        if got is None or gold is None:
            return super().is_correct(predicted, example)
        return abs(got - gold) <= self.tolerance + self.relative_tolerance * abs(gold)
