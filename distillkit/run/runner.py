"""The one loop of distillkit: rounds of select -> ask teachers -> parse/filter -> train -> evaluate.

TinyLLM is one round that selects everything; ELAD is several budgeted rounds whose selector
queries the student. Plugins supply the strategies; this loop is the only copy of it.
A rerun of the same config on the same run folder resumes: finished rounds are skipped,
teacher answers come from the cache, training resumes from its newest checkpoint.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillkit.annotation.cache import TeacherCache
from distillkit.annotation.engine import AnnotationEngine
from distillkit.components import SelectionContext, StrategyContext, TrainJob, TrainResult
from distillkit.components.selector import STUDENT
from distillkit.config.pipeline import ResolvedPipeline
from distillkit.registry import Registry
from distillkit.run.distributed import is_main_process, wait_for
from distillkit.run.evaluation import evaluate_student
from distillkit.run.events import EventLog
from distillkit.run.outputs import FAILURES, write_failures, write_json, write_run_header
from distillkit.run.resume_guard import check_same_run
from distillkit.run.selection_io import load_selection, save_selection
from distillkit.run.state import RunState
from distillkit.types import Annotation, Example, Selection, Splits


@dataclass
class _Run:
    p: ResolvedPipeline
    dir: Path
    splits: Splits
    events: EventLog
    state: RunState
    engine: AnnotationEngine
    main: bool = True
    labeled: dict[str, dict[str, Annotation]] = field(default_factory=dict)
    student_round: int = -1  # which round's weights the student holds (-1: initial)

    def save_state(self) -> None:
        if self.main:
            self.state.save(self.dir / "state.json")

    def evaluate(self, examples: list[Example]) -> dict[str, Any]:
        ev = self.p.spec.evaluation
        return evaluate_student(self.p.student, self.p.loss, self.p.task, self.p.metrics, examples,
                                max_new_tokens=ev.max_new_tokens, batch_size=ev.batch_size)

    def split(self, name: str) -> list[Example]:
        items = getattr(self.splits, name)
        cap = self.p.spec.evaluation.max_examples
        return items[:cap] if cap else items


def run_pipeline(p: ResolvedPipeline, registry: Registry, *, config_path: str | None = None) -> dict[str, Any]:
    """Run (or resume) a validated pipeline; returns a summary with the run folder and headline metrics."""
    run_dir = p.output_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    main = is_main_process()
    if main:
        check_same_run(run_dir, p)
        write_run_header(run_dir, p, registry, config_path)
    events = EventLog(run_dir / "events.jsonl", p.callbacks if main else [])
    cache = TeacherCache(Path(p.spec.cache.path) if p.spec.cache.path else run_dir / "teacher_cache.sqlite")
    engine = AnnotationEngine(cache, use_cache=p.spec.cache.enabled, progress=main, emit=events)
    splits = p.task.load()
    run = _Run(p, run_dir, splits, events, RunState.load(run_dir / "state.json"), engine, main)
    events("run_start", {"name": p.spec.name, "splits": splits.sizes(), "resumed_rounds": len(run.state.rounds)})
    p.student.load()
    if p.spec.evaluation.baseline and run.state.baseline is None:
        run.state.baseline = run.evaluate(run.split("test"))
        run.save_state()
    for r in range(p.spec.rounds.count):
        if not _round(run, r):
            break
    _finish(run, registry)
    return {"run_dir": str(run_dir), "headline": _headline(run.state)}


def _budget(run: _Run, pool: list[Example]) -> int | None:
    rounds = run.p.spec.rounds
    k = rounds.budget_per_round
    if rounds.total_budget is not None:
        left = rounds.total_budget - len(run.labeled)
        k = left if k is None else min(k, left)
    return k


def _calls_left(run: _Run) -> int | None:
    cap = run.p.spec.rounds.max_teacher_calls
    return None if cap is None else max(0, cap - run.state.teacher_calls)


def _money_spent(run: _Run) -> bool:
    cap = run.p.spec.rounds.max_cost
    return cap is not None and run.state.cost >= cap


def _select(run: _Run, r: int, pool: list[Example], k: int | None, rdir: Path) -> list[Selection]:
    by_id = {e.id: e for e in pool}
    saved = load_selection(rdir / "selected.jsonl", by_id)
    if saved is not None:
        return saved
    if not run.main:
        wait_for(rdir / "selected.jsonl")
        return load_selection(rdir / "selected.jsonl", by_id) or []
    sel = run.p.selector
    student = run.p.student if STUDENT in sel.needs else None
    ctx = SelectionContext(round=r, task=run.p.task, rng=random.Random(run.p.spec.seed * 1000 + r), student=student,
                           run_dir=rdir, inference_prompt=lambda e: run.p.loss.inference_prompt(e, run.p.task))
    selections = sel.select(pool, k, ctx)[: k if k is not None else None]
    save_selection(rdir / "selected.jsonl", selections)
    return selections


def _student_explanations(run: _Run, selections: list[Selection], rdir: Path) -> dict[str, str]:
    """The student's own reasoning for revision strategies: from the selector when it kept it.

    Saved once per round: a replayed or resumed round must show the teacher the same text (same
    prompts, so cache hits), and the student no longer holds that round's weights to regenerate it.
    """
    path = rdir / "student_explanations.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    out = {s.example.id: s.details["student_explanation"] for s in selections if "student_explanation" in s.details}
    missing = [s.example for s in selections if s.example.id not in out]
    if missing:
        prompts = [run.p.loss.inference_prompt(e, run.p.task) for e in missing]
        texts = run.p.student.generate(prompts, max_new_tokens=run.p.spec.evaluation.max_new_tokens)
        out.update({e.id: t[0] for e, t in zip(missing, texts)})
    if run.main:
        write_json(path, out)
    return out


def _annotate(run: _Run, r: int, selections: list[Selection], rdir: Path) -> dict[str, Any]:
    p = run.p
    examples = [s.example for s in selections]
    needs_expl = any(slot.strategy.needs_student_explanations for slot in p.teachers)
    explanations = _student_explanations(run, selections, rdir) if needs_expl else {}
    stats: dict[str, Any] = {}
    for slot in p.teachers:  # every strategy is ready before the first teacher is paid
        slot.strategy.prepare(StrategyContext(p.task, run.splits.train, p.spec.seed, explanations))
    score_only = set(p.loss.score_only_teachers())  # they score tokens while the student trains, no rationales
    for slot in p.teachers:
        if slot.id in score_only:
            continue
        purpose = "revision" if slot.strategy.needs_student_explanations else "rationale"
        try:
            slot.strategy.bootstrap(_asker(run, slot, stats))
            result = run.engine.annotate(teacher_id=slot.id, teacher=slot.teacher, strategy=slot.strategy,
                                         examples=examples, task=p.task, filters=p.filters, purpose=purpose,
                                         max_calls=_max_calls(run, stats))
        finally:
            slot.teacher.close()  # never keep a teacher resident while the student trains
        for ex, ann in zip(examples, result.annotations):
            run.labeled.setdefault(ex.id, {})[slot.id] = ann
        stats[slot.id] = result.stats.to_dict() | {"parse_error_samples": result.parse_error_samples[:3]}
        if run.main:
            write_failures(rdir / FAILURES, slot.id, result.annotations)
    for ex in examples:
        run.labeled.setdefault(ex.id, {})
    return stats


def _max_calls(run: _Run, stats: dict[str, Any]) -> int | None:
    if not run.main:
        return 0  # followers only read the cache
    left = _calls_left(run)
    return None if left is None else max(0, left - sum(s.get("calls", 0) for s in stats.values()))


def _asker(run: _Run, slot, stats: dict[str, Any]):
    """``ask`` for ``RationaleStrategy.bootstrap``: the slot's teacher answers under another strategy;
    its calls are counted with the round's (stats key "<teacher id>/demonstrations")."""
    def ask(strategy, examples: list[Example]) -> list[Annotation]:
        result = run.engine.annotate(teacher_id=f"{slot.id}/demonstrations", teacher=slot.teacher, strategy=strategy,
                                     examples=examples, task=run.p.task, filters=run.p.filters,
                                     purpose="demonstration", max_calls=_max_calls(run, stats))
        stats[f"{slot.id}/demonstrations"] = result.stats.to_dict()
        return result.annotations
    return ask


def _student_at(run: _Run, round_idx: int) -> None:
    """Give the student the weights it had after round ``round_idx`` (-1: the initial model)."""
    if run.student_round == round_idx:
        return
    if round_idx < 0:
        run.p.student.load()
    else:
        run.p.student.load(path=run.dir / "rounds" / f"{round_idx:02d}" / "student")
    run.student_round = round_idx


def _round(run: _Run, r: int) -> bool:
    """Run (or replay, when already finished) round r; False when nothing is left to do."""
    p, rdir = run.p, run.dir / "rounds" / f"{r:02d}"
    rdir.mkdir(parents=True, exist_ok=True)
    done = r < len(run.state.rounds)
    pool = [e for e in run.splits.train if e.id not in run.labeled]
    k = _budget(run, pool)
    annotated = (rdir / "annotated.done").exists()  # paid for before a crash: finish it whatever the caps say
    if not pool or k == 0 or (not annotated and (_calls_left(run) == 0 or _money_spent(run))):
        run.events("budget_spent", {"round": r, "labeled": len(run.labeled), "teacher_calls": run.state.teacher_calls})
        return False
    if not done:
        _student_at(run, r - 1)  # selectors may query the student: it must hold round r-1's weights
    run.events("round_start", {"round": r, "pool": len(pool), "budget": k})
    selections = _select(run, r, pool, k, rdir)
    stats = _annotate(run, r, selections, rdir)
    if done:
        return True
    if run.main:
        (rdir / "annotated.done").touch()
        run.state.teacher_calls += sum(s.get("calls", 0) for s in stats.values())
        run.state.cost += sum(s.get("cost") or 0.0 for s in stats.values())
        run.save_state()  # paid calls count even if this round dies before it finishes
    else:
        wait_for(rdir / "annotated.done")
    run.events("annotated", {"round": r, "selected": len(selections), "teachers": stats})
    _student_at(run, -1 if p.spec.rounds.retrain == "scratch" else r - 1)
    by_id = {e.id: e for e in run.splits.train}
    skipped_before = Counter(p.loss.skipped)  # losses that drop unusable rationales count them
    views = [v for ex_id, anns in run.labeled.items() for v in p.loss.views(by_id[ex_id], anns, p.task)]
    skipped = Counter(p.loss.skipped)
    skipped.subtract(skipped_before)
    validation = run.split("validation")
    metric = p.metrics[0].name
    job = TrainJob(student=p.student, loss=p.loss, views=views, out_dir=rdir / "train", seed=p.spec.seed + r,
                   evaluate=lambda: {k: v for k, v in run.evaluate(validation).items() if isinstance(v, float)},
                   select_metric=metric, select_higher_is_better=p.metrics[0].higher_is_better, emit=lambda e, payload: run.events(e, {"round": r, **payload}))
    p.loss.bind_teachers({slot.id: slot.teacher for slot in p.teachers}, cache_path=run.engine.cache.path,
                         max_calls=_calls_left(run))
    if views:
        result = p.trainer.train(job)
    else:  # every annotation so far failed or was filtered: nothing to learn, the round still counts
        run.events("nothing_to_train", {"round": r, "labeled": len(run.labeled)})
        result = TrainResult(steps=0)
    for slot in p.teachers:  # a loss may have asked them while the student trained (on-policy scoring)
        slot.teacher.close()
    spend = p.loss.teacher_spend()
    if run.main and spend:  # counted against rounds.max_teacher_calls / max_cost like annotation calls
        run.state.teacher_calls += spend.get("calls", 0)
        run.state.cost += spend.get("cost") or 0.0
    val = run.evaluate(validation)
    if run.main:
        p.student.save(rdir / "student")
    run.student_round = r
    run.state.annotated = list(run.labeled)
    run.state.rounds.append({
        "round": r, "selected": len(selections), "labeled_total": len(run.labeled), "views": len(views),
        "views_by_component": dict(Counter(v.component for v in views)), "views_skipped": dict(+skipped),
        "teacher_calls_total": run.state.teacher_calls, "cost_total": run.state.cost, "annotation": stats,
        "training_teacher_use": spend,
        "train": {"steps": result.steps, "best": result.best, "best_step": result.best_step,
                  "peak_rss_mb": result.peak_rss_mb, "history": result.history},
        "validation": val,
    })
    run.save_state()
    run.events("round_end", {"round": r, "validation": {k: v for k, v in val.items() if k != "samples"}})
    return True


def _finish(run: _Run, registry: Registry) -> None:
    from distillkit.run.finish import finish_run

    _student_at(run, len(run.state.rounds) - 1)
    if run.state.final is None:
        run.state.final = {"test": run.evaluate(run.split("test")), "validation": run.evaluate(run.split("validation"))}
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
    return ", ".join(f"{k}={v:.3f}" for k, v in metrics.items() if isinstance(v, float)) + f" (n={metrics.get('n')})"
