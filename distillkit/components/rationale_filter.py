"""Rationale filters: drop teacher rationales that would teach the student something wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillkit.components.base import Component
from distillkit.types import Annotation, Example

if TYPE_CHECKING:
    from distillkit.components.task import Task


class RationaleFilter(Component):
    """Decides whether a parsed teacher rationale is kept for training.

    ``check`` returns None to keep the annotation, or a short reason (counted per teacher in the
    run report) to drop it. Dropped annotations stay in the cache: filtering never loses data.
    This is also the extension point for teacher routing (keep only the teachers that agree...).
    """

    kind = "filter"
    hook = "register_rationale_filters"
    must_override = (("check",),)

    def check(self, annotation: Annotation, example: Example, task: Task) -> str | None:
        raise NotImplementedError
