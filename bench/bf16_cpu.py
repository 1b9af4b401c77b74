"""bf16 autocast vs fp32 training on this machine's CPU: tokens/s and the loss curve, side by side.

Students: ``quickstart`` (the 4-layer SmolLM2-135M cut of configs/tinyllm/quickstart.yaml, layers
0, 9, 19, 29, SmolLM2 tokenizer) and the two Flan-T5-shaped students of
bench/tinyllm_reference_step.py (``t5-small`` 13.5M, ``t5-base`` 64.8M, ``words`` tokenizer).
Data: the toy multi-teacher arithmetic set (1 answer + 2 rationale views per example; for the
quickstart student with the quickstart task's knobs). Each run is distillkit's trainer in a fresh
process (same seed, same batches), fp32 and bf16 interleaved per student. Throughput counts real
tokens per wall second and per process CPU-second; the loss curves are the logged losses per step.

    python bench/bf16_cpu.py [--students quickstart t5-small t5-base] [--steps 4] [--warmup 1] [--threads 1]
        [--batch-size 8]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUICKSTART_KNOBS = {"min_steps": 2, "max_steps": 2, "max_operand": 5, "max_value": 20,
                    "operations": ["+", "-"]}


def _student_and_views(name: str):
    from distillkit_plugins.hf.student import HFStudent
    from distillkit_plugins.training.toy import toy_views

    if name == "quickstart":
        student = HFStudent(init_from="builtin:smollm2-135m-instruct", keep_layers=[0, 9, 19, 29],
                            max_length=128)
        _, loss, _, views = toy_views(128, **QUICKSTART_KNOBS)
    else:
        import tinyllm_reference_step as ref

        student = ref._student(name.removeprefix("t5-"))
        loss, views = ref._views(256)
    student.load()
    return student, loss, views


def run(name: str, precision: str, steps: int, warmup: int, lr: float, batch_size: int) -> dict:
    from distillkit_plugins.training.trainer import AccelerateTrainer

    from distillkit.components import TrainJob

    student, loss, views = _student_and_views(name)
    cpu_marks: list[float] = []  # process CPU time at every log row (row 0 is written before step 1)
    trainer = AccelerateTrainer(max_steps=warmup + steps, batch_size=batch_size, learning_rate=lr,
                                log_every=1, save_every=None, progress=False, mixed_precision=precision,
                                warmup_steps=0)
    with tempfile.TemporaryDirectory() as tmp:
        result = trainer.train(TrainJob(
            student=student, loss=loss, views=views, evaluate=dict, out_dir=Path(tmp), select_metric=None,
            emit=lambda event, row: cpu_marks.append(time.process_time())))
    rows = [r for r in result.history if "tokens_per_s" in r]
    timed = rows[warmup:]
    tokens = sum(r["tokens"] for r in timed)
    return {
        "tokens_per_s": round(tokens / sum(r["tokens"] / r["tokens_per_s"] for r in timed), 1),
        "tokens_per_cpu_s": round(tokens / (cpu_marks[warmup + steps] - cpu_marks[warmup]), 1),
        "loss_curve": [round(r["loss"], 4) for r in rows],
        "peak_rss_mb": result.peak_rss_mb,
    }


def _one(name: str, precision: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--side", name, precision, "--steps", str(args.steps), "--warmup",
           str(args.warmup), "--threads", str(args.threads), "--lr", str(args.lr), "--batch-size",
           str(args.batch_size)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent)}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def student_bench_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments every bench over ``_student_and_views``'s students takes."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--students", nargs="+", default=["quickstart", "t5-small", "t5-base"])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    return parser


def main() -> None:
    parser = student_bench_parser(__doc__)
    parser.add_argument("--lr", type=float, default=6e-4)
    parser.add_argument("--batch-size", type=int, default=8, help="examples per step (3 views each)")
    parser.add_argument("--side", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.side:
        print(json.dumps(run(*args.side, args.steps, args.warmup, args.lr, args.batch_size)))
        return
    from distillkit_plugins.training.precision import _cpu_flags, resolve_precision

    report: dict = {"cpu_bf16_flags": sorted(f for f in _cpu_flags() if "bf16" in f or f.startswith("amx")),
                    "auto_picks": resolve_precision("auto"), "threads": args.threads,
                    "measured_steps": args.steps, "batch_size": args.batch_size,
                    "load_average_start": os.getloadavg()}
    for name in args.students:
        fp32, bf16 = _one(name, "no", args), _one(name, "bf16", args)
        diffs = [abs(a - b) for a, b in zip(fp32["loss_curve"], bf16["loss_curve"])]
        report[name] = {"fp32": fp32, "bf16": bf16,
                        "bf16_speed_ratio_wall": round(bf16["tokens_per_s"] / fp32["tokens_per_s"], 3),
                        "bf16_speed_ratio_cpu": round(bf16["tokens_per_cpu_s"] / fp32["tokens_per_cpu_s"], 3),
                        "max_abs_loss_diff": round(max(diffs), 4)}
        print(json.dumps({name: report[name]}), file=sys.stderr)
    report["load_average_end"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
