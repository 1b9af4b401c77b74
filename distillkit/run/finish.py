"""End of a run: score the teachers, save the student with its model card, write metrics and the report."""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING, Any

from distillkit.components import RationaleStrategy, StrategyContext
from distillkit.run.evaluation import score
from distillkit.run.model_card import model_card
from distillkit.run.outputs import write_json
from distillkit.run.report import write_report
from distillkit.secrets import redact

if TYPE_CHECKING:
    from distillkit.registry import Registry
    from distillkit.run.context import RunContext


def _teacher_scores(run: RunContext, registry: Registry) -> dict[str, Any]:
    """Each teacher answering the test items itself (never with the gold answer in its prompt)."""
    p, test = run.pipeline, run.split("test")
    out: dict[str, Any] = {}
    for slot in p.teachers:
        strategy = slot.strategy
        if _shows_more_than_the_question(strategy):
            strategy = _own_answer_strategy(registry)
            if strategy is None:
                out[slot.id] = {"skipped": "no default strategy that asks without the gold answer"}
                continue
        strategy.prepare(StrategyContext(p.task, run.splits.train, p.spec.seed))
        try:
            result = run.engine.annotate(teacher_id=slot.id, teacher=slot.teacher, strategy=strategy,
                                         examples=test, task=p.task, filters=[])
        finally:
            slot.teacher.close()
        out[slot.id] = score(p.metrics, p.task, test, [a.raw for a in result.annotations]) | {
            "strategy": strategy.name, "calls": result.stats.calls}
    return out


def _shows_more_than_the_question(strategy: RationaleStrategy) -> bool:
    return strategy.uses_gold_answer or bool(strategy.needs)


def _own_answer_strategy(registry: Registry) -> RationaleStrategy | None:
    """The default strategy a plugin declared, when it shows the teacher only the question."""
    name = registry.default("strategy")
    strategy = registry.create("strategy", name) if name is not None else None
    return None if strategy is None or _shows_more_than_the_question(strategy) else strategy


def _examples(run: RunContext, per_teacher: int = 2) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []
    by_id = {e.id: e for e in run.splits.train}
    gold = run.pipeline.loss.uses_gold_answer  # an unlabeled pool's gold is never read, not even here
    for slot in run.pipeline.teachers:
        picked = [(i, a[slot.id]) for i, a in run.labeled.items()
                  if slot.id in a and a[slot.id].ok][:per_teacher]
        for ex_id, ann in picked:
            shown.append({"teacher": slot.id, "question": run.pipeline.task.student_input(by_id[ex_id]),
                          "gold": by_id[ex_id].answer if gold else None, "rationale": ann.rationale,
                          "answer": ann.answer})
    return shown


def finish_run(run: RunContext, registry: Registry) -> None:
    """End of a run on the main process, after the final evaluation (``run.state.final``): score the
    teachers when asked, save the student with its model card, write metrics.json and report.md
    (event ``run_end``)."""
    p, state = run.pipeline, run.state
    teachers = _teacher_scores(run, registry) if p.spec.evaluation.teachers and p.teachers else {}
    argv = ["distillkit", *sys.argv[1:]]
    command = " ".join(shlex.quote(a) for a in argv) if sys.argv else "distillkit run ..."
    command = redact(command)  # -o teachers[0].base_url=http://user:key@... lands in the model card
    student_dir = run.run_dir / "student"
    p.student.save(student_dir)
    card = model_card(p, state.final, state.baseline, command)
    (student_dir / "README.md").write_text(card, encoding="utf-8")
    metrics = {
        "baseline_test": state.baseline, "final": state.final, "teachers_test": teachers,
        "rounds": [{k: v for k, v in r.items() if k != "train"} | {"train_steps": r["train"]["steps"],
                   "peak_rss_mb": r["train"]["peak_rss_mb"]} for r in state.rounds],
        "teacher_calls": state.teacher_calls, "cost": state.cost,
    }
    write_json(run.run_dir / "metrics.json", metrics)
    write_report(run.run_dir, p, state, teachers, _examples(run), command)
    run.events("run_end", {"run_dir": str(run.run_dir), "teacher_calls": state.teacher_calls})
