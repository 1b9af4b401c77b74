"""Sample selectors: which pool items the teachers are asked about this round."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from distillkit.components.base import Component
from distillkit.types import Example, Selection

if TYPE_CHECKING:
    from distillkit.components.student import StudentModel
    from distillkit.components.task import Task

STUDENT = "student"  # the selector queries the current student (explanations, answer probabilities)


@dataclass
class SelectionContext:
    round: int  # 0-based
    task: Task
    rng: random.Random
    student: StudentModel | None = None  # set only when the selector declares STUDENT in ``needs``
    run_dir: Any = None
    # the prompt the student answers at inference (the loss's), so selectors query it as it was trained
    inference_prompt: Callable[[Example], str] | None = None


class SampleSelector(Component):
    """Chooses up to ``k`` examples from the unlabeled pool.

    ``needs`` names the signals the selector uses (``STUDENT``); the pipeline loads and passes
    only those. ``k`` is None when the round has no budget (select everything you want, e.g.
    TinyLLM's single round over the whole training set). Return at most ``k`` selections,
    each with its score and the details that explain it (written to the run report).
    """

    kind = "selector"
    hook = "register_sample_selectors"
    needs: ClassVar[frozenset[str]] = frozenset()
    must_override = (("select",),)

    def select(self, pool: list[Example], k: int | None, ctx: SelectionContext) -> list[Selection]:
        raise NotImplementedError
