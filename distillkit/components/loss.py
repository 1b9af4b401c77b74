"""Student losses: which (prompt -> target) views an example becomes, and how they are weighted."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from distillkit.components.base import Component
from distillkit.types import Annotation, Example, View

if TYPE_CHECKING:
    from distillkit.components.task import Task


class StudentLoss(Component):
    """Turns an example and its teachers' annotations into training views, and weighs them.

    Text-level losses (the common case) only implement ``views`` and ``inference_prompt``: the
    trainer computes the token-mean cross entropy of every view's target in ONE forward pass and
    reports one mean per ``View.component``; ``combine`` makes the total (by default the
    weighted sum of component means, weights from ``weights()``).

    ``requires_teacher_capabilities`` (e.g. ``{"score"}`` for logit distillation) is checked
    against the configured teachers at validation time. ``teacher_ids()`` names the teachers
    this loss reads, so unknown ids are reported at validation.

    ``skipped`` counts, by ``"<teacher>:<reason>"``, the annotations ``views`` could not use; the
    runner records the increase over each round. Token-level losses (logit distillation) add
    components scored on the student's logits: ``token_components`` names them, the trainer calls
    ``prepare_training`` once and ``token_terms`` per batch (see docs/training.md).
    """

    kind = "loss"
    hook = "register_student_losses"
    requires_teacher_capabilities: ClassVar[frozenset[str]] = frozenset()
    student_reasons: ClassVar[bool] = False  # the student writes a rationale before its answer at inference
    #: ``views`` reads the training items' gold answers; a loss that trains on the teachers' answers
    #: only (an unlabeled pool) says False, and then nothing else in a run reads them either.
    uses_gold_answer: bool = True
    must_override = (("views",), ("inference_prompt",))
    #: Unusable annotations so far by "<teacher>:<reason>" (missing, failed, empty...). Losses that
    #: count assign their own Counter in ``__init__``; the default counts nothing.
    skipped: Mapping[str, int] = MappingProxyType({})

    def teacher_ids(self) -> list[str]:
        return []

    def views(self, example: Example, annotations: dict[str, Annotation], task: Task) -> list[View]:
        raise NotImplementedError

    def inference_prompt(self, example: Example, task: Task) -> str:
        """What the student is given at evaluation time."""
        raise NotImplementedError

    def weights(self) -> dict[str, float]:
        """component name -> weight in the total loss."""
        return {}

    def combine(self, component_means: dict[str, Any]) -> Any:
        """Total loss from per-component means (tensors). Components absent from a batch are skipped."""
        weights = self.weights()
        total = None
        for comp, value in component_means.items():
            term = weights.get(comp, 1.0) * value
            total = term if total is None else total + term
        return total

    # -- token-level extension: components computed from the student's logits ---------------------

    def token_components(self) -> list[str]:
        """Names of the components ``token_terms`` returns; [] (the default) for text-level losses."""
        return []

    def prepare_training(self, *, student: Any, data: Any, out_dir: Path, accelerator: Any) -> None:
        """Called once before training when ``token_components()`` is not empty (e.g. to score the
        views with a teacher). ``data`` is the trainer's encoded views. Default: nothing."""

    def token_terms(self, logits: Any, batch: Any, views: list) -> dict[str, Any]:
        """Per batch: ``{component: scalar tensor}`` for each of ``token_components()``. Default: {}."""
        return {}

    # -- losses that ask teachers while the student trains (on-policy scoring, logit KD) ----------

    def score_only_teachers(self) -> list[str]:
        """Teacher ids this loss only asks to score tokens, never for rationales: the runner does not
        annotate with them. Default: []."""
        return []

    def bind_teachers(self, teachers: Mapping[str, Any], *, cache_path: Path | None = None,
                      max_calls: int | None = None) -> None:
        """Called by the runner before each round's training: the pipeline's teachers by id (closed
        after annotation; ``setup()`` before use, ``close()`` after), the teacher-cache file a loss
        may keep its scores beside, and the teacher calls left under ``rounds.max_teacher_calls``
        (None: no cap). Default: nothing."""

    def teacher_spend(self) -> dict[str, Any]:
        """Teacher use since the last ``bind_teachers``: ``calls`` (counted against
        ``rounds.max_teacher_calls`` like annotation calls), ``tokens``, ``cost`` and any detail.
        The runner adds calls and cost to the run's totals after training. Default: {}."""
        return {}
