"""Learning-rate schedules from torch's own schedulers: linear warm-up, then linear, cosine or constant.

(transformers' ``get_scheduler`` would do, but importing it pulls in peft: ~3 s per process.)
"""

from __future__ import annotations

from typing import Literal

import torch
from torch.optim.lr_scheduler import ConstantLR, CosineAnnealingLR, LinearLR, LRScheduler, SequentialLR

Schedule = Literal["linear", "cosine", "constant"]
START = 1e-8  # torch's LinearLR needs a positive start factor; this is "from zero" in practice


def make_schedule(name: Schedule, optimizer: torch.optim.Optimizer, *, warmup_steps: int,
                  total_steps: int) -> LRScheduler:
    """``warmup_steps`` of linear warm-up from 0 to the peak, then ``name`` until ``total_steps``."""
    rest = max(total_steps - warmup_steps, 1)
    if name == "linear":
        after = LinearLR(optimizer, start_factor=1.0, end_factor=0.0, total_iters=rest)
    elif name == "cosine":
        after = CosineAnnealingLR(optimizer, T_max=rest, eta_min=0.0)
    else:
        after = ConstantLR(optimizer, factor=1.0, total_iters=0)
    if warmup_steps == 0:
        return after
    warmup = LinearLR(optimizer, start_factor=START, end_factor=1.0, total_iters=warmup_steps)
    return SequentialLR(optimizer, [warmup, after], milestones=[warmup_steps])
