"""Reading one source row into an ``Example``, or saying exactly what is wrong with it."""

from __future__ import annotations

import re
from typing import Any

from distillkit.types import Example
from distillkit_plugins.tasks.formats.numbers import format_number, parse_number
from distillkit_plugins.tasks.loading.columns import MISSING, ColumnMap, get_path

CALCULATOR_NOTE = re.compile(r"<<[^<>]*>>")
YES = {"yes", "true", "1"}
NO = {"no", "false", "0"}


class BadRow(ValueError):
    """A row that cannot become an Example. ``reason`` is a short category for skip counts."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class RowReader:
    """Builds Examples from rows using a ``ColumnMap`` and an answer format name.

    Multiple-choice answers may be given as the choice text, a label from ``choice_labels``,
    a letter, or a 0-based integer index; they become the choice TEXT. Yes/no answers may be
    booleans, yes/no, true/false or 1/0. Numeric answers in GSM8K form ("... #### 18") are split
    into rationale (without the ``<<3*4=12>>`` calculator notes) and answer. Nothing missing
    or empty is turned into an empty string.
    """

    def __init__(self, columns: ColumnMap, answer_format: str):
        self.columns = columns
        self.format = answer_format

    def read(self, row: dict[str, Any], default_id: str) -> Example:
        c = self.columns
        question = self._text(row, "question", c.question)
        answer_value = self._field(row, "answer", c.answer)
        rationale = self._optional_text(row, "rationale", c.rationale)
        choices: tuple[str, ...] = ()
        meta: dict[str, Any] = {}
        if self.format == "multiple_choice":
            choices = self._choices(row)
            answer = self._choice_answer(answer_value, choices, row)
        elif self.format == "yes_no":
            answer = _yes_no(answer_value)
        elif self.format == "numeric":
            answer, solution = _numeric(answer_value)
            rationale = rationale or solution
        else:
            answer, aliases = _free_text(answer_value)
            if aliases:
                meta["aliases"] = aliases
        ident = self._optional_text(row, "id", c.id) if c.id else None
        context = self._optional_text(row, "context", c.context)
        return Example(ident or default_id, question, answer, choices, rationale, context, meta)

    def _field(self, row: dict[str, Any], field: str, path: str) -> Any:
        value = get_path(row, path)
        if value is MISSING:
            raise BadRow(f"missing {field}", f"field {field!r} (column {path!r}) is missing")
        if value is None:
            raise BadRow(f"empty {field}", f"field {field!r} (column {path!r}) is empty (null)")
        return value

    def _text(self, row: dict[str, Any], field: str, path: str) -> str:
        value = self._field(row, field, path)
        text = str(value).strip() if isinstance(value, (str, int, float)) else None
        if text is None:
            raise BadRow(f"bad {field}", f"field {field!r} (column {path!r}) = {value!r} is not text")
        if not text:
            raise BadRow(f"empty {field}", f"field {field!r} (column {path!r}) is an empty string")
        return text

    def _optional_text(self, row: dict[str, Any], field: str, path: str | None) -> str | None:
        if not path or get_path(row, path) in (MISSING, None, ""):
            return None
        return self._text(row, field, path)

    def _choices(self, row: dict[str, Any]) -> tuple[str, ...]:
        spec = self.columns.choices
        if spec is None:
            raise BadRow("no choices", "multiple_choice needs columns.choices (a list column or a list of columns)")
        if isinstance(spec, list):
            texts = [self._text(row, f"choices[{i}]", path) for i, path in enumerate(spec)]
        else:
            value = self._field(row, "choices", spec)
            if isinstance(value, dict) and "text" in value:
                value = value["text"]
            if not isinstance(value, (list, tuple)):
                raise BadRow("bad choices", f"field 'choices' (column {spec!r}) = {value!r} is not a list")
            texts = [str(v).strip() if v is not None else "" for v in value]
        if len(texts) < 2:
            raise BadRow("bad choices", f"field 'choices' has {len(texts)} option(s); at least 2 are needed")
        if not all(texts):
            raise BadRow("empty choice", f"field 'choices' = {texts!r} contains an empty choice")
        return tuple(texts)

    def _labels(self, row: dict[str, Any], n: int) -> list[str] | None:
        path = self.columns.choice_labels
        if path is None:
            value = get_path(row, self.columns.choices) if isinstance(self.columns.choices, str) else None
            labels = value.get("label") if isinstance(value, dict) else None
        else:
            labels = self._field(row, "choice_labels", path)
        if labels is None:
            return None
        labels = [str(v).strip() for v in labels]
        if len(labels) != n:
            raise BadRow("bad choice labels", f"field 'choice_labels' has {len(labels)} labels for {n} choices")
        return labels

    def _choice_answer(self, value: Any, choices: tuple[str, ...], row: dict[str, Any]) -> str:
        labels = self._labels(row, len(choices))
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value < len(choices):
                return choices[value]
        else:
            text = str(value).strip()
            if labels and text in labels:
                return choices[labels.index(text)]
            lowered = [c.lower() for c in choices]
            if text.lower() in lowered:
                return choices[lowered.index(text.lower())]
            if text.isdigit() and int(text) < len(choices):  # an index read from CSV as text
                return choices[int(text)]
            letter = text.strip("().").lower()
            if len(letter) == 1 and 0 <= ord(letter) - ord("a") < len(choices):
                return choices[ord(letter) - ord("a")]
        last = chr(ord("a") + len(choices) - 1)
        valid = f"a letter a-{last}, an index 0-{len(choices) - 1}" + (f", a label {labels}" if labels else "")
        raise BadRow(
            "answer not among the choices",
            f"field 'answer' = {value!r} is not among the choices {list(choices)!r}; "
            f"valid: {valid} or one of the choice texts",
        )


def _yes_no(value: Any) -> str:
    text = str(value).strip().lower().rstrip(".")
    if text in YES:
        return "yes"
    if text in NO:
        return "no"
    raise BadRow("bad yes/no answer", f"field 'answer' = {value!r} is not a yes/no answer; valid: yes/no, true/false, 1/0")


def _numeric(value: Any) -> tuple[str, str | None]:
    text = str(value)
    solution = None
    if "####" in text:  # GSM8K: the worked solution, then "#### <answer>"; drop its <<calculator>> notes
        solution, text = (part.strip() for part in text.rsplit("####", 1))
        solution = CALCULATOR_NOTE.sub("", solution)
    number = parse_number(text)
    if number is None:
        raise BadRow("bad number", f"field 'answer' = {value!r} is not a number (e.g. 42, -3.5, 1,234)")
    return format_number(number), solution or None


def _free_text(value: Any) -> tuple[str, list[str]]:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if not texts:
        raise BadRow("empty answer", f"field 'answer' = {value!r} is empty")
    return texts[0], texts[1:]
