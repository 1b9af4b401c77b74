"""Swap python-composed RMS norms and tanh-GELUs of a student for torch's fused kernels (fp32 training).

Transformers writes T5's layer norm and ``gelu_new`` as chains of elementwise ops (pow, mean,
rsqrt, mul / pow, mul, add, tanh, ...), each a separate pass over memory that also keeps its
output for the backward pass; ``F.rms_norm`` and ``F.gelu(approximate="tanh")`` are one op each.
Candidates are found by shape (a 1-D ``weight`` and ``variance_epsilon``, no bias; the GELU
classes by name) and every swap is checked on a probe against the original module, with the
module's own weights: a module that computes something else (e.g. Gemma's ``1 + weight``) stays.
Parameters are the same objects under the same names, so state dicts and checkpoints do not change.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

GELU_TANH = ("NewGELUActivation", "GELUTanh")


class FusedRMSNorm(nn.Module):
    """``weight * x / sqrt(mean(x^2) + eps)`` in one op."""

    def __init__(self, weight: nn.Parameter, eps: float):
        super().__init__()
        self.weight, self.variance_epsilon = weight, eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.rms_norm(x, (x.shape[-1],), self.weight, self.variance_epsilon)


def _fused(module: nn.Module) -> nn.Module | None:
    if type(module).__name__ in GELU_TANH:
        return nn.GELU(approximate="tanh")
    weight = getattr(module, "weight", None)
    if (isinstance(weight, nn.Parameter) and weight.ndim == 1 and getattr(module, "bias", None) is None
            and isinstance(getattr(module, "variance_epsilon", None), float)):
        return FusedRMSNorm(weight, module.variance_epsilon)
    return None


@torch.no_grad()
def _same(original: nn.Module, fused: nn.Module, width: int) -> bool:
    probe = torch.randn(2, 3, width, generator=torch.Generator().manual_seed(0)).to(
        next(original.parameters(), torch.empty(0)).device)
    return torch.allclose(original(probe), fused(probe), rtol=1e-5, atol=1e-6)


def fuse_modules(model: Any) -> int:
    """Replace every equivalent module of ``model`` in place; returns how many were replaced."""
    width = model.config.get_text_config().hidden_size if hasattr(model, "config") else 8
    swaps = []
    for parent in model.modules():
        for name, child in parent.named_children():
            fused = _fused(child)
            if fused is not None:
                n = child.weight.shape[0] if isinstance(fused, FusedRMSNorm) else width
                if _same(child, fused, n):
                    swaps.append((parent, name, fused))
    for parent, name, fused in swaps:
        setattr(parent, name, fused)
    return len(swaps)
