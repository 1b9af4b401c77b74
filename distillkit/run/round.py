"""One round of a run, in five phases: select -> annotate -> train -> evaluate -> save.

``run_round`` is the whole round; each phase is a short function that fills in the ``Round``
and emits its event (docs/plugins.md lists the events and their payloads). A round that
finished in an earlier run is replayed: selected and annotated again from its saved selection
and the teacher cache, to rebuild what was labeled, and neither paid for nor trained.
Paid teacher calls are recorded before training starts, so a crash in training never pays twice.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillkit.components import SelectionContext, TrainJob, TrainResult
from distillkit.components.selector import STUDENT
from distillkit.run.annotate import annotate
from distillkit.run.context import RunContext
from distillkit.run.distributed import wait_for
from distillkit.run.selection_io import load_selection, save_selection
from distillkit.types import Example, Selection, View

PAID = "annotated.done"  # in rounds/NN/: this round's teacher calls are counted in state.json


@dataclass
class Round:
    """One round as its phases fill it in.

    Set when the round starts: ``index`` (0-based), ``dir`` (``rounds/NN/``), ``pool`` (the
    training examples not annotated yet), ``budget`` (most examples to select; None: no cap),
    ``replay`` (finished in an earlier run: select and annotate only). Filled by the phases:
    ``selections`` (select), ``annotation`` (annotate: stats per teacher id), ``views`` and
    ``skipped`` (train: the loss's training views over everything labeled so far, and the
    views it dropped, by reason), ``train`` (the trainer's result), ``teacher_use`` (train: the
    loss's own teacher calls while the student trained, ``StudentLoss.teacher_spend``),
    ``validation`` (evaluate).
    """

    index: int
    dir: Path
    pool: list[Example]
    budget: int | None
    replay: bool = False
    selections: list[Selection] = field(default_factory=list)
    annotation: dict[str, Any] = field(default_factory=dict)
    views: list[View] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    train: TrainResult | None = None
    teacher_use: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)


def run_round(run: RunContext, r: int) -> bool:
    """Run (or replay, when already finished) round ``r``; False when nothing is left to do."""
    rnd = start(run, r)
    if rnd is None:
        return False
    select(run, rnd)
    annotate(run, rnd)
    if rnd.replay:
        return True
    pay(run, rnd)
    train(run, rnd)
    evaluate(run, rnd)
    save(run, rnd)
    return True


def start(run: RunContext, r: int) -> Round | None:
    """The round's pool and budget, or None (event ``budget_spent``) when the run must stop."""
    rdir = run.round_dir(r)
    rdir.mkdir(parents=True, exist_ok=True)
    pool = [e for e in run.splits.train if e.id not in run.labeled]
    budget = _budget(run)
    paid = (rdir / PAID).exists()  # paid for before a crash: finish it whatever the caps say
    if not pool or budget == 0 or (not paid and (run.calls_left() == 0 or run.money_spent())):
        run.events("budget_spent", {"round": r, "labeled": len(run.labeled),
                                    "teacher_calls": run.state.teacher_calls})
        return None
    rnd = Round(r, rdir, pool, budget, replay=r < len(run.state.rounds))
    if not rnd.replay:
        run.student_at(r - 1)  # selectors may query the student: it must hold round r-1's weights
    run.events("round_start", {"round": r, "pool": len(pool), "budget": budget, "replay": rnd.replay})
    return rnd


def _budget(run: RunContext) -> int | None:
    rounds = run.pipeline.spec.rounds
    k = rounds.budget_per_round
    if rounds.total_budget is not None:
        left = rounds.total_budget - len(run.labeled)
        k = left if k is None else min(k, left)
    return k


def select(run: RunContext, rnd: Round) -> None:
    """The selector picks at most ``budget`` pool items; saved once, so a resumed round reuses them."""
    path, by_id = rnd.dir / "selected.jsonl", {e.id: e for e in rnd.pool}
    saved = load_selection(path, by_id)
    if saved is None and not run.main:
        wait_for(path)
        saved = load_selection(path, by_id) or []
    if saved is None:
        p, k = run.pipeline, rnd.budget
        rng = random.Random(p.spec.seed * 1000 + rnd.index)
        ctx = SelectionContext(round=rnd.index, task=p.task, rng=rng, run_dir=rnd.dir,
                               student=p.student if STUDENT in p.selector.needs else None,
                               inference_prompt=lambda e: p.loss.inference_prompt(e, p.task))
        saved = p.selector.select(rnd.pool, k, ctx)[: k if k is not None else None]
        save_selection(path, saved)
    rnd.selections = saved
    run.events("selected", {"round": rnd.index, "selected": len(saved)})


def pay(run: RunContext, rnd: Round) -> None:
    """Count the round's teacher calls and cost in the saved state at once (event ``annotated``)."""
    if run.main:
        (rnd.dir / PAID).touch()
        run.state.teacher_calls += sum(s.get("calls", 0) for s in rnd.annotation.values())
        run.state.cost += sum(s.get("cost") or 0.0 for s in rnd.annotation.values())
        run.save_state()
    else:
        wait_for(rnd.dir / PAID)
    run.events("annotated", {"round": rnd.index, "selected": len(rnd.selections), "teachers": rnd.annotation})


def train(run: RunContext, rnd: Round) -> None:
    """Fit the student on the views of everything labeled so far (event ``trained``)."""
    p = run.pipeline
    run.student_at(-1 if p.spec.rounds.retrain == "scratch" else rnd.index - 1)
    by_id = {e.id: e for e in run.splits.train}
    before = Counter(p.loss.skipped)  # losses that drop unusable rationales count them
    rnd.views = [v for ex_id, anns in run.labeled.items() for v in p.loss.views(by_id[ex_id], anns, p.task)]
    skipped = Counter(p.loss.skipped)
    skipped.subtract(before)
    rnd.skipped = dict(+skipped)
    p.loss.bind_teachers({slot.id: slot.teacher for slot in p.teachers}, cache_path=run.engine.cache.path,
                         max_calls=run.calls_left())
    if rnd.views:
        rnd.train = p.trainer.train(_job(run, rnd))
    else:  # every annotation so far failed or was filtered: nothing to learn, the round still counts
        run.events("nothing_to_train", {"round": rnd.index, "labeled": len(run.labeled)})
        rnd.train = TrainResult(steps=0)
    for slot in p.teachers:  # a loss may have asked them while the student trained (on-policy scoring)
        slot.teacher.close()
    spend = rnd.teacher_use = p.loss.teacher_spend()
    if run.main and spend:  # counted against rounds.max_teacher_calls / max_cost like annotation calls
        run.state.teacher_calls += spend.get("calls", 0)
        run.state.cost += spend.get("cost") or 0.0
    run.student_round = rnd.index
    run.events("trained", {"round": rnd.index, "views": len(rnd.views), "steps": rnd.train.steps})


def _job(run: RunContext, rnd: Round) -> TrainJob:
    p, r = run.pipeline, rnd.index
    validation = run.split("validation")
    return TrainJob(
        student=p.student, loss=p.loss, views=rnd.views, out_dir=rnd.dir / "train", seed=p.spec.seed + r,
        evaluate=lambda: {k: v for k, v in run.evaluate(validation).items() if isinstance(v, float)},
        select_metric=p.metrics[0].name, select_higher_is_better=p.metrics[0].higher_is_better,
        emit=lambda event, payload: run.events(event, {"round": r, **payload}))


def evaluate(run: RunContext, rnd: Round) -> None:
    """Score the trained student on the validation split (event ``evaluated``)."""
    rnd.validation = run.evaluate(run.split("validation"))
    run.events("evaluated", {"round": rnd.index, "split": "validation", "metrics": _headline(rnd.validation)})


def save(run: RunContext, rnd: Round) -> None:
    """Save the student and the round's summary in ``state.json``: the round is done (event ``round_end``)."""
    if run.main:
        run.pipeline.student.save(rnd.dir / "student")
    run.state.annotated = list(run.labeled)
    run.state.rounds.append(summary(run, rnd))
    run.save_state()
    run.events("round_end", {"round": rnd.index, "validation": _headline(rnd.validation)})


def summary(run: RunContext, rnd: Round) -> dict[str, Any]:
    """The round's row in ``state.json`` (and, without training detail, in ``metrics.json``)."""
    t = rnd.train or TrainResult(steps=0)
    return {
        "round": rnd.index, "selected": len(rnd.selections), "labeled_total": len(run.labeled),
        "views": len(rnd.views), "views_by_component": dict(Counter(v.component for v in rnd.views)),
        "views_skipped": rnd.skipped, "teacher_calls_total": run.state.teacher_calls,
        "cost_total": run.state.cost, "annotation": rnd.annotation,
        "training_teacher_use": rnd.teacher_use,
        "train": {"steps": t.steps, "best": t.best, "best_step": t.best_step, "peak_rss_mb": t.peak_rss_mb,
                  "history": t.history},
        "validation": rnd.validation,
    }


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if k != "samples"}
