"""The one loop of distillkit: rounds of select -> annotate -> train -> evaluate -> save, then finish.

TinyLLM is one round that selects everything; ELAD is several budgeted rounds whose selector
queries the student. Plugins supply the components; this loop is the only copy of it. The round
and its phases live in ``distillkit.run.round``; what a run holds is ``RunContext``.
A rerun of the same config on the same run folder resumes: finished rounds are replayed from
their saved selections and the cache, training resumes from its newest checkpoint.
"""

from __future__ import annotations

from typing import Any

from distillkit.annotation.cache import TeacherCache, cache_path
from distillkit.annotation.engine import AnnotationEngine
from distillkit.config.pipeline import ResolvedPipeline
from distillkit.registry import Registry
from distillkit.run.context import RunContext
from distillkit.run.distributed import is_main_process
from distillkit.run.events import EventLog
from distillkit.run.outputs import write_run_header
from distillkit.run.resume_guard import check_same_run
from distillkit.run.round import run_round
from distillkit.run.state import RunState


def run_pipeline(p: ResolvedPipeline, registry: Registry, *,
                 config_path: str | None = None) -> dict[str, Any]:
    """Run (or resume) a validated pipeline; returns a summary with the run folder and headline metrics."""
    run = start_run(p, registry, config_path)
    if p.spec.evaluation.baseline and run.state.baseline is None:
        run.state.baseline = run.evaluate(run.split("test"))
        run.save_state()
    for r in range(p.spec.rounds.count):
        if not run_round(run, r):
            break
    _finish(run, registry)
    return {"run_dir": str(run.run_dir), "headline": _headline(run.state)}


def start_run(p: ResolvedPipeline, registry: Registry, config_path: str | None = None) -> RunContext:
    """Open the run folder (refusing another run's), the cache and the data, load the student.

    Emits ``run_start``. Only the main process writes the run's header files and gets callbacks.
    """
    run_dir = p.output_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    main = is_main_process()
    if main:
        check_same_run(run_dir, p)
        write_run_header(run_dir, p, registry, config_path)
    events = EventLog(run_dir / "events.jsonl", p.callbacks if main else [])
    cache = TeacherCache(cache_path(p.spec.cache.path, run_dir))
    engine = AnnotationEngine(cache, use_cache=p.spec.cache.enabled, progress=main, emit=events)
    splits = p.task.load()
    run = RunContext(p, run_dir, splits, events, RunState.load(run_dir / "state.json"), engine, main)
    events("run_start", {"name": p.spec.name, "splits": splits.sizes(),
                         "resumed_rounds": len(run.state.rounds)})
    p.student.load()
    return run


def _finish(run: RunContext, registry: Registry) -> None:
    from distillkit.run.finish import finish_run

    run.student_at(len(run.state.rounds) - 1)
    if run.state.final is None:
        run.state.final = {"test": run.evaluate(run.split("test")),
                           "validation": run.evaluate(run.split("validation"))}
        run.save_state()
    if run.main:
        finish_run(run, registry)


def _headline(state: RunState) -> list[str]:
    lines = []
    if state.baseline:
        lines.append(f"student before: {_fmt(state.baseline)}")
    if state.final:
        lines.append(f"student after:  {_fmt(state.final['test'])}")
    lines.append(f"teacher calls: {state.teacher_calls}")
    return lines


def _fmt(metrics: dict[str, Any]) -> str:
    if metrics.get("n") == 0:
        return "no examples (n=0): metrics undefined"
    values = ", ".join(f"{k}={v:.3f}" for k, v in metrics.items() if isinstance(v, float))
    return f"{values} (n={metrics.get('n')})"
