"""Answer formats: how answers of one kind are normalised, read out of generated text and compared.

``make_answer_format(name, ...)`` builds one by name; ``FORMAT_NAMES`` lists the names.
"""

from __future__ import annotations

from typing import Literal

from distillkit.components.answer_format import AnswerFormat
from distillkit_plugins.tasks.formats.free_text import FreeTextFormat
from distillkit_plugins.tasks.formats.multiple_choice import MultipleChoiceFormat
from distillkit_plugins.tasks.formats.numeric import NumericFormat
from distillkit_plugins.tasks.formats.yes_no import YesNoFormat

FormatName = Literal["multiple_choice", "yes_no", "numeric", "free_text"]
FORMAT_NAMES: tuple[str, ...] = ("multiple_choice", "yes_no", "numeric", "free_text")


def make_answer_format(name: str, *, tolerance: float = 0.0, relative_tolerance: float = 0.0) -> AnswerFormat:
    """The answer format called ``name``; the tolerances apply to ``numeric`` only."""
    if name == "numeric":
        return NumericFormat(tolerance=tolerance, relative_tolerance=relative_tolerance)
    formats = {"multiple_choice": MultipleChoiceFormat, "yes_no": YesNoFormat, "free_text": FreeTextFormat}
    if name not in formats:
        raise ValueError(f"unknown answer format {name!r}; valid: {', '.join(FORMAT_NAMES)}")
    return formats[name]()


__all__ = [
    "FORMAT_NAMES", "FormatName", "FreeTextFormat", "MultipleChoiceFormat", "NumericFormat", "YesNoFormat",
    "make_answer_format",
]
