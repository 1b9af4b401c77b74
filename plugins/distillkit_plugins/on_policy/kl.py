"""The per-token on-policy loss: the student's divergence from its teachers on its OWN samples.

Shapes (N scored tokens, gathered from S student samples; M teachers; V vocabulary; k top-k):

- ``student_logits`` ``[N, V]``: the student's logits at the positions that predict each sampled token;
- ``tokens`` ``[N]``: the sampled token ids; ``sample`` ``[N]``: which sample (0..S-1) each token is from;
- ``teacher_logprobs`` ``[N, M]``: each teacher's log-probability of the sampled token;
- ``mask`` ``[N, M]`` bool: teacher m has a score for token n (False: it failed, or tokenized the
  text differently); a masked entry adds neither value nor gradient;
- ``top_ids`` / ``top_logprobs`` ``[N, M, k]`` (optional): each teacher's top-k at each position.

Per token and teacher, ``d`` is (see docs/on_policy.md for the derivations):

- ``estimator: k1``: value ``log p_s(x) - log p_t(x)``, the single-sample estimate of KL(p_s || p_t) at
  that prefix. Its plain gradient ``grad log p_s(x)`` has expectation 0 under sampling, so the gradient
  comes from the score-function surrogate ``sg(log p_s - log p_t) * log p_s(x)``, whose expectation is
  the gradient of the per-prefix reverse KL (the policy-gradient form with the per-token reward
  ``-(log p_s - log p_t)``, no credit to later tokens). The value logged is the k1 estimate.
- ``estimator: k3``: value ``r - 1 - log r`` with ``r = p_t(x) / p_s(x)`` (non-negative, unbiased for the
  reverse KL, lower variance), differentiated directly through ``log p_s``; that gradient's expectation
  is the gradient of the FORWARD KL(p_t || p_s) at the student's prefixes (docs/on_policy.md).
- ``topk_weight > 0`` mixes in GKD's generalized JSD(beta) between teacher and student on the teacher's
  top-k + "rest" bins (``distillkit_plugins.training.divergences``): ``d = (1 - w) d_sampled + w d_topk``.
  beta follows TRL: 0 is the forward KL(p_t || p_s), 1 the reverse KL(p_s || p_t), in between the JSD
  with mixture ``beta p_t + (1 - beta) p_s``.

Teachers are combined per token as a weighted mean over the teachers that scored it
(``sum_m w_m d_m / sum_m w_m``). A sample's loss is the mean over its tokens that have a score;
the batch loss is the mean over samples with at least one. Nothing scored: 0 (in the graph), never NaN.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

Estimator = Literal["k1", "k3"]


def topk_divergence(
    student_logits: torch.Tensor, top_ids: torch.Tensor, top_logprobs: torch.Tensor, beta: float
) -> torch.Tensor:
    """GKD's generalized JSD(beta), TRL convention, on the teacher's top-k + rest bins: ``[N]``."""
    from distillkit_plugins.training.divergences import divergence

    if beta == 0.0:
        return divergence(student_logits, top_ids, top_logprobs, kind="forward_kl")
    if beta == 1.0:
        return divergence(student_logits, top_ids, top_logprobs, kind="reverse_kl")
    return divergence(student_logits, top_ids, top_logprobs, kind="jsd", beta=beta)


class OnPolicyKL:
    """Per-token divergence of student samples from weighted teachers; ``__call__`` -> scalar."""

    def __init__(
        self,
        weights: list[float],
        *,
        estimator: Estimator = "k1",
        topk_weight: float = 0.0,
        beta: float = 1.0,
    ):
        if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(f"teacher weights must be >= 0 with a positive sum, got {weights}")
        if estimator not in ("k1", "k3"):
            raise ValueError(f"estimator must be k1 or k3, got {estimator!r}")
        if not 0.0 <= topk_weight <= 1.0 or not 0.0 <= beta <= 1.0:
            raise ValueError("topk_weight and beta must lie in [0, 1]")
        self.weights, self.estimator, self.topk_weight, self.beta = (
            list(weights),
            estimator,
            topk_weight,
            beta,
        )

    def sampled(self, student_lp: torch.Tensor, teacher_lp: torch.Tensor) -> torch.Tensor:
        """Per-token sampled term ``[N, M]`` from student ``[N, 1]`` and teacher ``[N, M]`` log-probs."""
        diff = student_lp - teacher_lp  # log p_s - log p_t
        if self.estimator == "k3":
            return torch.expm1(-diff) + diff  # r - 1 - log r, r = p_t / p_s
        surrogate = diff.detach() * student_lp
        return diff.detach() + (surrogate - surrogate.detach())  # value: k1; gradient: score function

    def per_token(
        self,
        student_logits: torch.Tensor,
        tokens: torch.Tensor,
        teacher_logprobs: torch.Tensor,
        mask: torch.Tensor,
        top_ids: torch.Tensor | None = None,
        top_logprobs: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(teacher-weighted divergence per token ``[N]``, whether any teacher scored it ``[N]``)."""
        student_lp = F.log_softmax(student_logits.float(), dim=-1).gather(-1, tokens.long().unsqueeze(-1))
        teacher_lp = torch.where(mask, teacher_logprobs.float(), student_lp.detach())  # masked: finite filler
        d = self.sampled(student_lp, teacher_lp)
        if self.topk_weight > 0:
            if top_ids is None or top_logprobs is None:
                raise ValueError("topk_weight > 0 needs the teachers' top-k log-probs")
            top = torch.stack(
                [
                    topk_divergence(student_logits, top_ids[:, m], top_logprobs[:, m], self.beta)
                    for m in range(teacher_logprobs.shape[1])
                ],
                dim=1,
            )
            d = (1 - self.topk_weight) * d + self.topk_weight * top
        w = torch.tensor(self.weights, dtype=d.dtype, device=d.device) * mask.to(d.dtype)
        total = w.sum(-1)
        scored = total > 0
        return torch.where(mask, d, torch.zeros_like(d)).mul(w).sum(-1) / total.clamp(min=1e-12), scored

    def __call__(
        self,
        student_logits: torch.Tensor,
        tokens: torch.Tensor,
        sample: torch.Tensor,
        teacher_logprobs: torch.Tensor,
        mask: torch.Tensor,
        top_ids: torch.Tensor | None = None,
        top_logprobs: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if student_logits.shape[0] == 0:
            return student_logits.sum() * 0.0
        d, scored = self.per_token(student_logits, tokens, teacher_logprobs, mask, top_ids, top_logprobs)
        n = int(sample.max()) + 1
        keep = scored.to(d.dtype)
        sums = torch.zeros(n, dtype=d.dtype, device=d.device).index_add(0, sample, d * keep)
        counts = torch.zeros(n, dtype=d.dtype, device=d.device).index_add(0, sample, keep)
        has = counts > 0
        if not bool(has.any()):
            return student_logits.sum() * 0.0
        return (sums[has] / counts[has]).mean()
