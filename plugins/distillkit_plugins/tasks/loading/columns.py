"""Which source column feeds which ``Example`` field (dotted paths reach into nested records)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from distillkit.components import ComponentOptions

MISSING = object()


class ColumnMap(ComponentOptions):
    """Source column (or dotted path into a nested column, e.g. ``choices.text``) per field."""

    question: str = Field("question", min_length=1, description="The question text (required, non-empty).")
    answer: str = Field(
        "answer", min_length=1,
        description="Gold answer: for multiple choice a label, letter, 0-based index or the choice text.",
    )
    choices: str | list[str] | None = Field(
        None,
        description="Multiple choice only: a column holding the list of choice texts (or a {text, label} "
        "record), or a list of columns, one per choice.",
    )
    choice_labels: str | None = Field(
        None, description="Column with each choice's label ('A', '1'...), when answers are given as labels."
    )
    rationale: str | None = Field(None, description="A gold/human explanation, when the data has one.")
    context: str | None = Field(None, description="A passage shown before the question.")
    id: str | None = Field(None, description="A unique id column (default: <split>-<row number>).")

    def required_columns(self) -> dict[str, str]:
        """Field name -> top-level column name, for every mapped field (checked before reading rows)."""
        out = {"question": self.question, "answer": self.answer}
        for name in ("choice_labels", "rationale", "context", "id"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if isinstance(self.choices, str):
            out["choices"] = self.choices
        elif self.choices:
            out.update({f"choices[{i}]": c for i, c in enumerate(self.choices)})
        return {field: path.split(".")[0] for field, path in out.items()}


def get_path(row: dict[str, Any], path: str) -> Any:
    """``row["a"]["b"]`` for ``"a.b"``; ``MISSING`` when any part is absent."""
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value
