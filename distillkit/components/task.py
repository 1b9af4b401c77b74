"""Tasks: where the examples come from and how their answers are read and scored."""

from __future__ import annotations

from distillkit.components.answer_format import AnswerFormat
from distillkit.components.base import Component
from distillkit.types import Example, Splits


class Task(Component):
    """Loads a dataset into train/validation/test ``Example`` lists and owns its answer format.

    ``load`` raises ``distillkit.errors.DataError`` naming file, row and field for bad data (or
    skips and counts rows when the task is configured to). ``licence`` is shown in reports.
    """

    kind = "task"
    hook = "register_tasks"
    licence: str = "unknown"
    must_override = (("answer_format",), ("load",))

    @property
    def answer_format(self) -> AnswerFormat:
        raise NotImplementedError

    def load(self) -> Splits:
        raise NotImplementedError

    def has_rationales(self) -> bool | None:
        """Whether the examples carry gold rationales, when known before loading (validation uses
        it); None (the default) when only the loaded data can tell."""
        return None

    def student_input(self, example: Example) -> str:
        return self.answer_format.render_question(example)

    def teacher_question(self, example: Example) -> str:
        return self.answer_format.render_question(example, choices_header="Options:")
