"""``mixed_precision: auto`` picks bf16 only where the hardware runs it natively (faked capabilities)."""

from __future__ import annotations

import pytest
from distillkit_plugins.training import precision
from distillkit_plugins.training.precision import Hardware, choose_precision

AVX2_ONLY = frozenset({"fma", "avx", "avx2"})


@pytest.mark.parametrize("hardware,want", [
    (Hardware("cuda", cuda_bf16=True), "bf16"),
    (Hardware("cuda", cuda_bf16=False), "no"),
    (Hardware("cpu", cpu_flags=AVX2_ONLY), "no"),
    (Hardware("cpu", cpu_flags=AVX2_ONLY | {"avx512f", "avx512_bf16"}), "bf16"),
    (Hardware("cpu", cpu_flags=AVX2_ONLY | {"amx_tile", "amx_bf16"}), "bf16"),
    (Hardware("cpu", cpu_flags=AVX2_ONLY | {"avx512f"}), "no"),  # AVX-512 without BF16: emulated
    (Hardware("mps"), "no"),
])
def test_auto_picks_bf16_only_on_native_bf16_hardware(hardware, want):
    chosen, why = choose_precision("auto", hardware)
    assert chosen == want
    assert why.startswith("auto: ")


def test_auto_defers_to_an_explicit_launch_setting_and_explicit_options_win():
    cpu = Hardware("cpu", cpu_flags=AVX2_ONLY)
    assert choose_precision("auto", cpu, launch_setting="bf16")[0] is None  # accelerate applies it
    assert choose_precision("auto", cpu, launch_setting="no")[0] == "no"  # accelerate default: no choice
    assert choose_precision("auto", Hardware("cuda", cuda_bf16=True), launch_setting="no")[0] == "bf16"
    assert choose_precision("bf16", cpu) == ("bf16", "set in the trainer options")
    assert choose_precision(None, Hardware("cuda", cuda_bf16=True))[0] is None


def test_cpu_flags_are_read_from_cpuinfo(tmp_path, monkeypatch):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\nbugs\t\t: x\n")
    real_path = precision.Path
    monkeypatch.setattr(precision, "Path", lambda p: info if p == "/proc/cpuinfo" else real_path(p))
    assert precision._cpu_flags() == {"fpu", "avx2", "avx512_bf16"}
    monkeypatch.setattr(precision, "Path", lambda p: tmp_path / "missing")
    assert precision._cpu_flags() == frozenset()
