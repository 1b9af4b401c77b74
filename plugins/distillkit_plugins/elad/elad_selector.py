"""ELAD's explanation-guided uncertainty selector (Zhang et al., 2024).

For every candidate the student writes its greedy explanation E = (s_1..s_K).
- intra-explanation uncertainty: E is cut after each step k and the student is asked for the
  answer ("early answering"); u_intra is the normalised entropy of those answers (or the share
  that differ from the final answer, ``intra: flip_rate``).
- inter-explanation uncertainty: N explanations sampled at temperature tau; u_inter is the
  normalised entropy of their final answers.
- score = lambda * u_intra + (1 - lambda) * u_inter; the top k are selected.
Only the signals with non-zero weight are computed. The greedy explanation is kept as the
selection's ``student_output``, so the teacher revises exactly what was scored.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from distillkit.components import CrossCheck
from distillkit.types import Example
from distillkit_plugins.elad.probe import StudentProbe
from distillkit_plugins.elad.selector_base import ProbeOptions, StudentSelector, cue_cross_check
from distillkit_plugins.elad.uncertainty import flip_rate, mix, normalized_entropy


class ELADSelector(StudentSelector):
    """ELAD: explanation-guided uncertainty (early-answer intra + sampled inter, mixed by lambda)."""

    name = "elad"

    class Options(ProbeOptions):
        lam: float = Field(0.5, ge=0, le=1, description="Weight of intra-explanation uncertainty; "
                           "1 - lam weighs inter-explanation uncertainty (the paper's lambda).")
        intra: Literal["entropy", "flip_rate"] = Field(
            "entropy", description="Intra signal over the early answers: their normalised entropy, or the "
            "share of early answers that differ from the final answer.")
        include_empty_prefix: bool = Field(
            False, description="Also ask for the answer before any step (k = 0) when computing u_intra.")
        max_cuts: int = Field(
            8, ge=1, description="Most early answers per explanation (evenly spaced cuts, the last kept): "
            "bounds the cost of long or degenerate explanations (an untrained student's).")
        num_samples: int = Field(5, ge=2, description="Explanations sampled per item for u_inter (N).")
        temperature: float = Field(0.7, gt=0, description="Sampling temperature of those explanations (tau).")

    @classmethod
    def cross_check(cls, options: Options, pipeline: Any) -> list[CrossCheck]:
        return cue_cross_check(pipeline) if options.lam > 0 else []

    def score(self, items: list[Example], probe: StudentProbe) -> tuple[list[float], list[dict[str, Any]]]:
        o = self.options
        details: list[dict[str, Any]] = [{} for _ in items]
        intra: list[float | None] = [None] * len(items)
        inter: list[float | None] = [None] * len(items)
        if o.lam > 0:
            explanations = probe.explanations(items)
            finals = probe.final_answers(items, explanations)
            early = probe.early_answers(items, explanations, finals, from_empty=o.include_empty_prefix,
                                        max_cuts=o.max_cuts)
            measure = normalized_entropy if o.intra == "entropy" else flip_rate
            for i, answers in enumerate(early):
                intra[i] = measure(answers)
                details[i].update(early_answers=answers, final_answer=finals[i], u_intra=intra[i])
        if o.lam < 1:
            for i, answers in enumerate(probe.sampled_answers(items, o.num_samples, o.temperature)):
                inter[i] = normalized_entropy(answers)
                details[i].update(sampled_answers=answers, u_inter=inter[i])
        scores = [mix(a, b, o.lam) for a, b in zip(intra, inter)]
        for d, s in zip(details, scores):
            d["score"] = s
        return scores, details
