"""``mixed_precision: auto``: bf16 where the hardware runs it fast, fp32 elsewhere.

bf16 autocast only pays where matrix units take bf16 natively: a CUDA GPU that supports it, or a
CPU with AVX-512 BF16 or AMX. On an AVX2-only CPU torch emulates bf16 matmuls and a bf16 step is
several times slower than fp32 (bench/bf16_cpu.py), so ``auto`` keeps fp32 there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@dataclass(frozen=True)
class Hardware:
    device: str  # the device accelerate trains on: "cuda", "cpu", ...
    cuda_bf16: bool = False
    cpu_flags: frozenset[str] = frozenset()


def choose_precision(requested: str | None, hardware: Hardware, *, launch_setting: str | None = None
                     ) -> tuple[str | None, str]:
    """(what to pass accelerate as ``mixed_precision``, why). ``launch_setting`` is what
    ``accelerate launch``/config asked for (``ACCELERATE_MIXED_PRECISION``); ``auto`` defers to an
    fp16 or bf16 there ("no" is accelerate's default, so it does not count as a choice)."""
    if requested != "auto":
        return requested, "set in the trainer options" if requested else "from accelerate launch/config"
    if launch_setting and launch_setting != "no":
        return None, f"auto: accelerate launch/config says {launch_setting}"
    if hardware.device == "cuda":
        if hardware.cuda_bf16:
            return "bf16", "auto: the CUDA device supports bf16"
        return "no", "auto: the CUDA device has no bf16"
    if hardware.device == "cpu":
        flags = [f for f in CPU_BF16_FLAGS if f in hardware.cpu_flags]
        if flags:
            return "bf16", f"auto: the CPU has {', '.join(flags)}"
        return "no", "auto: the CPU has no native bf16 matmul (no avx512_bf16 / amx_bf16), fp32 is faster"
    return "no", f"auto: fp32 on {hardware.device}"


def _cpu_flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: no flags known, fp32
        return frozenset()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return frozenset(line.partition(":")[2].split())


def detect_hardware() -> Hardware:
    import torch

    if torch.accelerator.is_available():
        device = torch.accelerator.current_accelerator().type
        return Hardware(device, cuda_bf16=device == "cuda" and torch.cuda.is_bf16_supported())
    return Hardware("cpu", cpu_flags=_cpu_flags())


def resolve_precision(requested: str | None) -> tuple[str | None, str]:
    """``choose_precision`` on this machine."""
    if requested != "auto":
        return choose_precision(requested, Hardware("cpu"))
    launch = os.environ.get("ACCELERATE_MIXED_PRECISION")
    return choose_precision(requested, detect_hardware(), launch_setting=launch)
