"""Divergences between the teacher's and the student's next-token distributions, per token.

The teacher is stored as its top-k (token ids, log-probabilities) per target token. Both
distributions are compared on the same k + 1 bins: the teacher's top-k tokens and one "rest"
bin holding the remaining mass (``1 - sum of the top-k probabilities``), so every divergence is
between two proper distributions and the student is also pushed to put little mass elsewhere.
``temperature`` rescales both bin distributions (log-mass / T, renormalised); with T != 1 the
rest bin is tempered as a single outcome, an approximation forced by storing only the top-k.

Shapes: student logits ``[N, V]``, teacher ids and log-probs ``[N, k]``; results ``[N]``.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

Kind = Literal["forward_kl", "reverse_kl", "jsd", "tvd"]
REST_FLOOR = 1e-6  # the rest bin never gets exactly zero mass, so every log stays finite


def with_rest(log_top: torch.Tensor) -> torch.Tensor:
    """``[N, k]`` log-probs of k tokens -> ``[N, k+1]`` log-masses, the last bin being everything else."""
    rest = torch.log1p(-log_top.exp().sum(-1, keepdim=True).clamp(max=1 - REST_FLOOR))
    return torch.cat([log_top, rest], dim=-1)


def _tempered(log_bins: torch.Tensor, temperature: float) -> torch.Tensor:
    return log_bins if temperature == 1.0 else F.log_softmax(log_bins / temperature, dim=-1)


def _kl(log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    return (log_p.exp() * (log_p - log_q)).sum(-1)


def bins(student_logits: torch.Tensor, teacher_ids: torch.Tensor, teacher_logprobs: torch.Tensor,
         temperature: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """(teacher, student) log-masses on the teacher's top-k + rest bins, tempered."""
    student_top = F.log_softmax(student_logits.float(), dim=-1).gather(-1, teacher_ids.long())
    return (_tempered(with_rest(teacher_logprobs.float()), temperature),
            _tempered(with_rest(student_top), temperature))


def divergence(student_logits: torch.Tensor, teacher_ids: torch.Tensor, teacher_logprobs: torch.Tensor, *,
               kind: Kind, beta: float = 0.5, temperature: float = 1.0) -> torch.Tensor:
    """Per-token divergence between teacher P and student Q on the shared bins.

    forward_kl = KL(P||Q) (mass-covering); reverse_kl = KL(Q||P) (mode-seeking); jsd = generalized
    Jensen-Shannon with M = beta*P + (1-beta)*Q: beta*KL(P||M) + (1-beta)*KL(Q||M), 0 < beta < 1
    (beta = 0.5 is the symmetric JSD); tvd = 0.5 * sum |P - Q|.
    """
    log_p, log_q = bins(student_logits, teacher_ids, teacher_logprobs, temperature)
    if kind == "forward_kl":
        return _kl(log_p, log_q)
    if kind == "reverse_kl":
        return _kl(log_q, log_p)
    if kind == "jsd":
        if not 0 < beta < 1:
            raise ValueError(f"jsd needs 0 < beta < 1, got {beta}")
        log_m = torch.logsumexp(torch.stack([log_p + torch.log(torch.tensor(beta)),
                                             log_q + torch.log(torch.tensor(1 - beta))]), dim=0)
        return beta * _kl(log_p, log_m) + (1 - beta) * _kl(log_q, log_m)
    if kind == "tvd":
        return 0.5 * (log_p.exp() - log_q.exp()).abs().sum(-1)
    raise ValueError(f"unknown divergence {kind!r}; expected forward_kl, reverse_kl, jsd or tvd")
