"""The annotate phase of a round: every teacher answers the round's selections under its strategy.

Strategies declare what they need (``RationaleStrategy.needs``); the one signal the runner
provides today is ``STUDENT_OUTPUT``, the student's own output per selected example, passed in
``StrategyContext.student_outputs``. What a strategy shows the teacher is then its own business
(its prompt and ``request_context``): the runner knows no strategy by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distillkit.components import StrategyContext
from distillkit.components.strategy import STUDENT_OUTPUT
from distillkit.run.outputs import FAILURES, write_failures, write_json
from distillkit.types import Annotation, Example, Selection

if TYPE_CHECKING:
    from distillkit.run.context import RunContext
    from distillkit.run.round import Round

STUDENT_OUTPUTS = "student_outputs.json"
# The same file under the name runs wrote before strategies declared ``needs``: read on resume,
# so a round started by an older version shows the teacher the same text (and hits the cache).
LEGACY_STUDENT_OUTPUTS = "student_explanations.json"


def student_outputs(run: RunContext, selections: list[Selection], rdir: Path) -> dict[str, str]:
    """The student's own output per selected example: the selector's when it kept one, else generated.

    Saved once per round (``rounds/NN/student_outputs.json``): a replayed or resumed round must
    show the teacher the same text (same prompts, so cache hits), and the student no longer
    holds that round's weights to regenerate it.
    """
    for name in (STUDENT_OUTPUTS, LEGACY_STUDENT_OUTPUTS):
        if (rdir / name).exists():
            return json.loads((rdir / name).read_text(encoding="utf-8"))
    p = run.pipeline
    out = {s.example.id: s.student_output for s in selections if s.student_output is not None}
    missing = [s.example for s in selections if s.example.id not in out]
    if missing:  # greedy, from the prompt the student answers at inference
        prompts = [p.loss.inference_prompt(e, p.task) for e in missing]
        texts = p.student.generate(prompts, max_new_tokens=p.spec.evaluation.max_new_tokens)
        out.update({e.id: t[0] for e, t in zip(missing, texts)})
    if run.main:
        write_json(rdir / STUDENT_OUTPUTS, out)
    return out


def annotate(run: RunContext, rnd: Round) -> None:
    """Ask every teacher about ``rnd.selections``; fills ``run.labeled`` and ``rnd.annotation``.

    Every strategy is prepared before the first teacher is paid, so a strategy that cannot
    prepare costs nothing. Each teacher is closed after its turn: no teacher stays resident
    while the student trains.
    """
    p = run.pipeline
    examples = [s.example for s in rnd.selections]
    wanted = any(STUDENT_OUTPUT in slot.strategy.needs for slot in p.teachers)
    outputs = student_outputs(run, rnd.selections, rnd.dir) if wanted else {}
    for slot in p.teachers:
        given = outputs if STUDENT_OUTPUT in slot.strategy.needs else {}
        slot.strategy.prepare(StrategyContext(p.task, run.splits.train, p.spec.seed, given))
    stats = rnd.annotation
    score_only = set(p.loss.score_only_teachers())  # they score tokens while the student trains
    for slot in p.teachers:
        if slot.id in score_only:
            continue
        try:
            slot.strategy.bootstrap(_asker(run, slot, stats))
            result = run.engine.annotate(teacher_id=slot.id, teacher=slot.teacher, strategy=slot.strategy,
                                         examples=examples, task=p.task, filters=p.filters,
                                         max_calls=_max_calls(run, stats))
        finally:
            slot.teacher.close()
        for ex, ann in zip(examples, result.annotations):
            run.labeled.setdefault(ex.id, {})[slot.id] = ann
        stats[slot.id] = result.stats.to_dict() | {"parse_error_samples": result.parse_error_samples[:3]}
        if run.main:
            write_failures(rnd.dir / FAILURES, slot.id, result.annotations)
    for ex in examples:  # selected counts as labeled even when every teacher failed on it
        run.labeled.setdefault(ex.id, {})


def _max_calls(run: RunContext, stats: dict[str, Any]) -> int | None:
    if not run.main:
        return 0  # followers only read the cache
    left = run.calls_left()
    return None if left is None else max(0, left - sum(s.get("calls", 0) for s in stats.values()))


def _asker(run: RunContext, slot, stats: dict[str, Any]):
    """``ask`` for ``RationaleStrategy.bootstrap``: the slot's teacher answers under another strategy;
    its calls are counted with the round's (stats key "<teacher id>/demonstrations")."""
    def ask(strategy, examples: list[Example]) -> list[Annotation]:
        result = run.engine.annotate(teacher_id=f"{slot.id}/demonstrations", teacher=slot.teacher,
                                     strategy=strategy, examples=examples, task=run.pipeline.task,
                                     filters=run.pipeline.filters, purpose="demonstration",
                                     max_calls=_max_calls(run, stats))
        stats[f"{slot.id}/demonstrations"] = result.stats.to_dict()
        return result.annotations
    return ask
