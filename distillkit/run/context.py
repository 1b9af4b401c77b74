"""What a run in progress holds, as its round phases and ``finish_run`` see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillkit.annotation.engine import AnnotationEngine
from distillkit.config.pipeline import ResolvedPipeline
from distillkit.run.evaluation import evaluate_student
from distillkit.run.events import EventLog
from distillkit.run.state import RunState
from distillkit.types import Annotation, Example, Splits


@dataclass
class RunContext:
    """A run in progress: the pipeline, its folder and data, and everything finished so far.

    ``pipeline``: the validated pipeline with its components. ``run_dir``: the run folder
    (``state.json``, ``events.jsonl``, ``rounds/NN/``...). ``splits``: the task's data.
    ``events(name, payload)``: emits a run event (``events.jsonl`` and every callback; the
    events and their payloads are listed in docs/plugins.md). ``state``: what is finished,
    saved after every step so a killed run resumes. ``engine``: asks the teachers (cached).
    ``main``: False on the follower processes of a multi-process run, which only read the
    cache and write no files. ``labeled``: example id -> {teacher id: annotation}, for every
    example annotated so far (all rounds). ``student_round``: the round whose weights the
    student holds (-1: the initial model).
    """

    pipeline: ResolvedPipeline
    run_dir: Path
    splits: Splits
    events: EventLog
    state: RunState
    engine: AnnotationEngine
    main: bool = True
    labeled: dict[str, dict[str, Annotation]] = field(default_factory=dict)
    student_round: int = -1

    def save_state(self) -> None:
        if self.main:
            self.state.save(self.run_dir / "state.json")

    def round_dir(self, r: int) -> Path:
        return self.run_dir / "rounds" / f"{r:02d}"

    def split(self, name: str) -> list[Example]:
        """The ``validation`` or ``test`` items to score the student on (capped by ``max_examples``)."""
        items = getattr(self.splits, name)
        cap = self.pipeline.spec.evaluation.max_examples
        return items[:cap] if cap else items

    def evaluate(self, examples: list[Example]) -> dict[str, Any]:
        """The student's metrics on ``examples``, with a few sample outputs (``samples``)."""
        p, ev = self.pipeline, self.pipeline.spec.evaluation
        return evaluate_student(p.student, p.loss, p.task, p.metrics, examples,
                                max_new_tokens=ev.max_new_tokens, batch_size=ev.batch_size)

    def student_at(self, r: int) -> None:
        """Give the student the weights it had after round ``r`` (-1: the initial model)."""
        if self.student_round == r:
            return
        student = self.pipeline.student
        if r < 0:
            student.load()
        else:
            student.load(path=self.round_dir(r) / "student")
        self.student_round = r

    def calls_left(self) -> int | None:
        """Teacher calls the run may still pay for (None: no cap)."""
        cap = self.pipeline.spec.rounds.max_teacher_calls
        return None if cap is None else max(0, cap - self.state.teacher_calls)

    def money_spent(self) -> bool:
        cap = self.pipeline.spec.rounds.max_cost
        return cap is not None and self.state.cost >= cap
