"""Reading numbers as people and models write them: "1,234", "$5.50", "-3", "3/4", "twelve"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# A minus sign counts only when attached to the digits and not preceded by a word or digit,
# so "10-5" and "10 - 5" are operators but "is -5" is negative five.
NUMBER = re.compile(
    r"(?<![\w.,/])(?P<sign>[-\u2212])?[$\u20ac\u00a3]?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:/\d+)?|\.\d+)(?![\d,]\d)"
)
WORDS = {
    w: i
    for i, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
     "hundred": 100, "thousand": 1000}
NUMBER_WORD = re.compile(r"(?i)\b(" + "|".join(WORDS) + r")\b")


def parse_number(text: str) -> Decimal | None:
    """The number ``text`` is (whole string, units and currency allowed around it), or None."""
    cleaned = text.strip().rstrip(".").strip()
    match = NUMBER.search(cleaned)
    if match and not re.search(r"\d", cleaned[: match.start()] + cleaned[match.end() :]):
        return number_value(match)
    word = NUMBER_WORD.fullmatch(cleaned)
    return Decimal(WORDS[word.group(1).lower()]) if word else None


def number_value(match: re.Match) -> Decimal | None:
    """The value of a ``NUMBER`` match."""
    raw = match.group("num").replace(",", "")
    try:
        if "/" in raw:
            top, bottom = raw.split("/")
            if Decimal(bottom) == 0:
                return None
            value = Decimal(top) / Decimal(bottom)
        else:
            value = Decimal(raw)
    except InvalidOperation:
        return None
    return -value if match.group("sign") else value


def format_number(value: Decimal) -> str:
    """Canonical text of a number: no exponent, no trailing zeros, "-0" is "0"."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
