"""Component base classes, one per kind. ``BASES`` is the single list of kinds."""

from distillkit.components.base import Component, ComponentOptions, CrossCheck
from distillkit.components.callback import Callback
from distillkit.components.loss import StudentLoss
from distillkit.components.metric import Metric
from distillkit.components.rationale_filter import RationaleFilter
from distillkit.components.selector import SampleSelector, SelectionContext
from distillkit.components.strategy import RationaleStrategy, StrategyContext
from distillkit.components.student import StudentModel
from distillkit.components.task import Task
from distillkit.components.teacher import Teacher, TeacherOptions
from distillkit.components.trainer import Trainer, TrainJob, TrainResult

BASES: tuple[type[Component], ...] = (
    Teacher,
    RationaleStrategy,
    RationaleFilter,
    SampleSelector,
    StudentLoss,
    Task,
    StudentModel,
    Metric,
    Trainer,
    Callback,
)
KINDS: dict[str, type[Component]] = {b.kind: b for b in BASES}

__all__ = [
    "BASES",
    "KINDS",
    "Callback",
    "Component",
    "ComponentOptions",
    "CrossCheck",
    "Metric",
    "RationaleFilter",
    "RationaleStrategy",
    "SampleSelector",
    "SelectionContext",
    "StrategyContext",
    "StudentLoss",
    "StudentModel",
    "Task",
    "Teacher",
    "TeacherOptions",
    "TrainJob",
    "TrainResult",
    "Trainer",
]
