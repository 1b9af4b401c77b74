"""The baselines ELAD is compared with: random, answer entropy, least confidence, self-consistency."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from distillkit.components import ComponentOptions, CrossCheck, SampleSelector, SelectionContext
from distillkit.types import Example, Selection
from distillkit_plugins.elad.probe import StudentProbe
from distillkit_plugins.elad.selector_base import ProbeOptions, StudentSelector, cue_cross_check
from distillkit_plugins.elad.uncertainty import disagreement, majority, normalized_entropy


class RandomSelector(SampleSelector):
    """Random pool items (seeded per round): the baseline every active selector must beat."""

    name = "random"

    class Options(ComponentOptions):
        pass

    def select(self, pool: list[Example], k: int | None, ctx: SelectionContext) -> list[Selection]:
        picked = ctx.rng.sample(pool, len(pool) if k is None else min(k, len(pool)))
        return [Selection(e, None, {}) for e in picked]


class SampledOptions(ProbeOptions):
    num_samples: int = Field(5, ge=2, description="Explanations sampled per item (N).")
    temperature: float = Field(0.7, gt=0, description="Sampling temperature of those explanations.")


class _SampledSelector(StudentSelector):
    """Scores each item by ``measure`` over the answers of N sampled explanations."""

    Options = SampledOptions

    @staticmethod
    def measure(answers: list[str | None]) -> float:
        raise NotImplementedError

    def score(self, items: list[Example], probe: StudentProbe) -> tuple[list[float], list[dict[str, Any]]]:
        samples = probe.sampled_answers(items, self.options.num_samples, self.options.temperature)
        scores = [self.measure(a) for a in samples]
        return scores, [{"sampled_answers": a, "majority": majority(a), "score": s} for a, s in zip(samples, scores)]


class AnswerEntropySelector(_SampledSelector):
    """Normalised entropy of the answers of N sampled explanations (ELAD's inter signal alone)."""

    name = "answer_entropy"
    measure = staticmethod(normalized_entropy)


class SelfConsistencySelector(_SampledSelector):
    """Self-consistency disagreement: share of N sampled answers that differ from the majority vote."""

    name = "self_consistency"
    measure = staticmethod(disagreement)


class LeastConfidenceSelector(StudentSelector):
    """Least confidence: 1 - the student's probability of its own greedy answer (or explanation)."""

    name = "least_confidence"

    class Options(ProbeOptions):
        confidence_of: Literal["answer", "explanation"] = Field(
            "answer", description="answer: P(answer | question + greedy explanation + cue); explanation: the "
            "per-token geometric-mean probability of the greedy explanation itself.")

    @classmethod
    def cross_check(cls, options: Options, pipeline: Any) -> list[CrossCheck]:
        return cue_cross_check(pipeline) if options.confidence_of == "answer" else []

    def score(self, items: list[Example], probe: StudentProbe) -> tuple[list[float], list[dict[str, Any]]]:
        explanations = probe.explanations(items)
        details: list[dict[str, Any]] = [{} for _ in explanations]
        if self.options.confidence_of == "answer":
            finals = probe.final_answers(items, explanations)
            conf = probe.answer_confidences(items, explanations, finals)
            for d, a in zip(details, finals):
                d["final_answer"] = a
        else:
            conf = probe.explanation_confidences(items, explanations)
        scores = [1.0 - c for c in conf]
        for d, c, s in zip(details, conf, scores):
            d.update(confidence=c, score=s)
        return scores, details
