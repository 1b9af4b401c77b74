"""Achieved FLOP/s of distillkit's training step as a fraction of this machine's matmul peak.

The peak is the best ``torch.mm`` rate at large square sizes (1024-3072) in the dtype training runs
in (``mixed_precision: auto`` picks it: fp32 on a CPU without native bf16), at the same thread count,
measured before and after the steps (the best of both is used). FLOPs of each step are counted with
``torch.utils.flop_counter.FlopCounterMode`` (matmuls and attention, forward and backward; the
elementwise work of norms, activations, softmax and the optimizer counts as zero), on the same steps
that are then timed without the counter. Students: the quickstart's 4-layer SmolLM2 cut and the two
Flan-T5-shaped students of bench/tinyllm_reference_step.py, on the stand-in data of bench/bf16_cpu.py.
Both wall time and process CPU time are reported (1 thread: CPU time is what a shared machine's other
load changes least).

    python bench/train_efficiency.py [--students quickstart t5-small t5-base] [--steps 4] [--threads 1]
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode, sdpa_backward_flop_count, sdpa_flop_count

# torch's counter knows the CUDA attention kernels only; the CPU one does the same work
CPU_ATTENTION = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu:
        lambda q, k, v, *args, **kwargs: sdpa_flop_count(q, k, v),
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward:
        lambda grad, q, k, v, *args, **kwargs: sdpa_backward_flop_count(grad, q, k, v),
}


def measure(name: str, steps: int, warmup: int) -> dict:
    from bf16_cpu import _student_and_views
    from distillkit_plugins.training.loop import TrainingLoop
    from distillkit_plugins.training.trainer import AccelerateTrainer

    from distillkit.components import TrainJob

    student, loss, views = _student_and_views(name)
    opts = AccelerateTrainer.Options(max_steps=10_000, batch_size=8, learning_rate=6e-4, save_every=None,
                                     progress=False)
    job = TrainJob(student=student, loss=loss, views=views, evaluate=dict, out_dir=Path(tempfile.mkdtemp()),
                   select_metric=None)
    loop = TrainingLoop(opts, job)

    def run(first: int, n: int) -> None:
        for s in range(first, first + n):
            loop.state["step"] = s  # the batches are a function of the step: replay the same ones
            loop._train_step()

    run(0, warmup)
    with FlopCounterMode(display=False, custom_mapping=CPU_ATTENTION) as counter:
        run(warmup, steps)
    flops = counter.get_total_flops()
    wall, cpu = time.perf_counter(), time.process_time()
    run(warmup, steps)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"precision": loop.acc.mixed_precision, "gflop_per_step": round(flops / steps / 1e9, 2),
            "s_per_step_wall": round(wall / steps, 3), "s_per_step_cpu": round(cpu / steps, 3),
            "gflops_wall": round(flops / wall / 1e9, 1), "gflops_cpu": round(flops / cpu / 1e9, 1)}


def main() -> None:
    from bf16_cpu import student_bench_parser

    args = student_bench_parser(__doc__).parse_args()
    torch.set_num_threads(args.threads)
    from distillkit_plugins.training.precision import resolve_precision
    from train_common import matmul_peak_gflops

    dtype = torch.bfloat16 if resolve_precision("auto")[0] == "bf16" else torch.float32

    def peaks() -> tuple[float, float]:
        return matmul_peak_gflops(dtype=dtype), matmul_peak_gflops(dtype=dtype, clock=time.process_time)

    report: dict = {"threads": args.threads, "dtype": str(dtype), "load_average_start": os.getloadavg()}
    before = peaks()
    students = {name: measure(name, args.steps, args.warmup) for name in args.students}
    after = peaks()
    peak_wall, peak_cpu = max(before[0], after[0]), max(before[1], after[1])
    report["matmul_peak_gflops"] = {"wall": round(peak_wall, 1), "cpu": round(peak_cpu, 1),
                                    "before": [round(x, 1) for x in before],
                                    "after": [round(x, 1) for x in after]}
    for r in students.values():
        r["fraction_of_peak_wall"] = round(r["gflops_wall"] / peak_wall, 3)
        r["fraction_of_peak_cpu"] = round(r["gflops_cpu"] / peak_cpu, 3)
    report["students"] = students
    report["load_average_end"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
