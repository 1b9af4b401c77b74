"""A validated pipeline: the spec plus one instance of every component it names."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillkit.components import (
    Callback,
    Metric,
    RationaleFilter,
    RationaleStrategy,
    SampleSelector,
    StudentLoss,
    StudentModel,
    Task,
    Teacher,
    Trainer,
)
from distillkit.config.schema import PipelineSpec


@dataclass
class TeacherSlot:
    id: str
    teacher: Teacher
    strategy: RationaleStrategy


@dataclass
class ResolvedPipeline:
    spec: PipelineSpec
    task: Task | None = None
    teachers: list[TeacherSlot] = field(default_factory=list)
    filters: list[RationaleFilter] = field(default_factory=list)
    selector: SampleSelector | None = None
    student: StudentModel | None = None
    loss: StudentLoss | None = None
    trainer: Trainer | None = None
    metrics: list[Metric] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)

    @property
    def teacher_ids(self) -> list[str]:
        return [slot.id for slot in self.teachers]

    @property
    def output_dir(self) -> Path:
        return Path(self.spec.output_dir or f"runs/{self.spec.name}")

    def resolved_config(self) -> dict[str, Any]:
        """The full config with every default filled in (written beside the run's outputs)."""

        def section(component, extra: dict | None = None) -> dict[str, Any]:
            # secrets are configured by env-var NAME only, so options are safe to write out
            opts = component.options.model_dump(mode="json")
            return {"type": component.name, **(extra or {}), **opts}

        out = self.spec.model_dump(mode="json")
        out["task"] = section(self.task)
        out["teachers"] = [
            section(s.teacher, {"id": s.id, "strategy": section(s.strategy)}) for s in self.teachers
        ]
        out["filters"] = [section(f) for f in self.filters]
        out["selector"] = section(self.selector)
        out["student"] = section(self.student)
        out["loss"] = section(self.loss)
        out["trainer"] = section(self.trainer)
        out["metrics"] = [section(m) for m in self.metrics]
        out["callbacks"] = [section(c) for c in self.callbacks]
        return out
