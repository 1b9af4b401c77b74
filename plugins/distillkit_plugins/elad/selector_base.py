"""What the uncertainty selectors share: their probing options, pool subsampling and ranking.

Every selector here scores pool items by how uncertain the CURRENT student is, then takes the
top ``k``. Ties are broken by the round's seeded ``ctx.rng`` (never by pool order, which would
bias towards the start of the dataset), so a rerun of the same round selects the same items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from distillkit.components import ComponentOptions, CrossCheck, SampleSelector, SelectionContext
from distillkit.components.selector import STUDENT
from distillkit.types import Example, Selection
from distillkit_plugins.elad.probe import ProbeSettings, StudentProbe
from distillkit_plugins.elad.steps import SplitMode


class ProbeOptions(ComponentOptions):
    """Options of every selector that queries the student."""

    max_pool: int | None = Field(
        None, ge=1, description="Score at most this many pool items per round (a seeded random subset); "
        "None scores the whole pool. Caps the selector's cost on large pools.")
    max_new_tokens: int = Field(128, ge=1, description="Token budget of each student explanation.")
    step_splitter: SplitMode = Field(
        "lines", description="How explanations are cut into steps: lines, step_markers (\"Step k:\") or sentences.")
    answer_cue: str = Field(
        "\nSo the answer is", min_length=1,
        description="Appended after a (partial) explanation to ask the student for its answer; match the "
        "loss's target format (cot_sft writes \"<rationale>\\nSo the answer is X\").")
    answer_max_new_tokens: int = Field(8, ge=1, description="Token budget of each answer after the cue.")


class StudentSelector(SampleSelector):
    """Base of the selectors that score the pool with a ``StudentProbe`` (not registered itself)."""

    needs = frozenset({STUDENT})
    Options = ProbeOptions

    def select(self, pool: list[Example], k: int | None, ctx: SelectionContext) -> list[Selection]:
        if ctx.student is None:
            raise RuntimeError(f"selector {self.name!r} needs the student, but the pipeline passed none")
        items = candidates(pool, self.options.max_pool, ctx)
        if not items:
            return []
        probe = self.probe(ctx)
        scores, details = self.score(items, probe)
        return top_k(items, scores, details, k, ctx, outputs=probe.greedy)

    def probe(self, ctx: SelectionContext) -> StudentProbe:
        o = self.options
        settings = ProbeSettings(max_new_tokens=o.max_new_tokens, answer_cue=o.answer_cue,
                                 answer_max_new_tokens=o.answer_max_new_tokens, step_splitter=o.step_splitter)
        prompt = ctx.inference_prompt or ctx.task.student_input
        return StudentProbe(ctx.student, ctx.task, prompt, settings, seed=ctx.rng.randrange(2**31))

    def score(self, items: list[Example], probe: StudentProbe) -> tuple[list[float], list[dict[str, Any]]]:
        """Uncertainty in [0, 1] per item (higher = annotate first) and the details explaining it."""
        raise NotImplementedError


def candidates(pool: list[Example], max_pool: int | None, ctx: SelectionContext) -> list[Example]:
    """The pool items scored this round: all of them, or a seeded random ``max_pool`` subset."""
    if max_pool is None or len(pool) <= max_pool:
        return list(pool)
    return ctx.rng.sample(pool, max_pool)


def top_k(items: Sequence[Example], scores: Sequence[float], details: Sequence[dict[str, Any]],
          k: int | None, ctx: SelectionContext, *, outputs: Mapping[str, str] | None = None) -> list[Selection]:
    """Items by descending score, ties in a seeded random order; the first ``k`` (all when None).

    ``outputs``: the student's greedy output per example id where the selector generated one;
    kept as each selection's ``student_output``, so a revising teacher sees the text that was scored.
    """
    tiebreak = [ctx.rng.random() for _ in items]
    order = sorted(range(len(items)), key=lambda i: (-scores[i], tiebreak[i]))
    chosen = order if k is None else order[:k]
    outputs = outputs or {}
    return [Selection(items[i], float(scores[i]), dict(details[i]), outputs.get(items[i].id)) for i in chosen]


def cue_cross_check(pipeline: Any) -> list[CrossCheck]:
    """Early answering and answer scoring append to the student's own text: a chat-wrapped prompt cannot."""
    student = getattr(pipeline, "student", None)
    if student is not None and getattr(student.options, "chat_template", False):
        return [CrossCheck(
            location="", message="this selector continues the student's explanation with an answer cue, "
            "which a chat-template student (student.chat_template: true) cannot do",
            hint="set student.chat_template: false, or use a signal without the cue "
            "(elad with lam: 0, answer_entropy, self_consistency, random)")]
    return []
