"""Text pieces the text-level losses share: the student's prompt and which rationales are usable."""

from __future__ import annotations

from collections import Counter

from distillkit.components import Task
from distillkit.types import Annotation, Example

ANSWER_CUE = "\nAnswer:"


def student_prompt(prefix: str, task: Task, example: Example, cue: str) -> str:
    """``prefix`` + the question as the task renders it for the student + ``cue``."""
    return f"{prefix}{task.student_input(example)}{cue}"


def spaced(text: str) -> str:
    """A target after a cue such as "Answer:": one space, then the text without surrounding blanks."""
    return " " + text.strip()


def usable_rationale(annotation: Annotation | None, skipped: Counter, teacher: str) -> str | None:
    """The annotation's rationale when it can be trained on; otherwise count why not and return None."""
    if annotation is None:
        skipped[f"{teacher}:missing"] += 1
    elif not annotation.ok:
        skipped[f"{teacher}:{annotation.status}"] += 1
    elif not (annotation.rationale or "").strip():
        skipped[f"{teacher}:empty"] += 1
    else:
        return annotation.rationale.strip()
    return None
