"""Peak memory (RSS) of a training run, and proof that no teacher is resident while the student trains.

Two fresh processes run the same student training (the ~28M llama of the throughput bench, the
``accelerate`` trainer, 1 answer + 2 rationale views per example). One first loads the real
SmolLM2-135M-Instruct ``hf`` teacher, generates with it, and closes it, as the pipeline does
before training; the other never loads a teacher. If the teacher were still in memory, the first
process's training peak would be higher by about the teacher's size.

    nice -n 10 python bench/train_memory.py [--steps 6 --batch-size 8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil


def rss_mb() -> float:
    return round(psutil.Process().memory_info().rss / 2**20, 1)


def run(mode: str, steps: int, batch_size: int) -> dict:
    from distillkit_plugins.hf.teacher import HFTeacher
    from distillkit_plugins.training.peak_rss import PeakRSS
    from distillkit_plugins.training.trainer import AccelerateTrainer
    from train_common import bench_student, bench_views

    from distillkit.components import TrainJob
    from distillkit.types import TeacherRequest

    out: dict = {"mode": mode, "rss_start_mb": rss_mb()}
    _, loss, views = bench_views(64)
    if mode == "with-teacher":
        teacher = HFTeacher(model="builtin:smollm2-135m-instruct", max_new_tokens=24, batch_size=8)
        with PeakRSS() as annotating:
            teacher.setup()
            out["teacher_weights_mb"] = round(sum(p.numel() * p.element_size()
                                                  for p in teacher.model.parameters()) / 2**20, 1)
            out["rss_teacher_loaded_mb"] = rss_mb()
            teacher.generate_batch([TeacherRequest(v.prompt, None) for v in views[:8]])
        out["peak_rss_annotating_mb"] = round(annotating.peak_mb, 1)
        teacher.close()
        out["rss_after_teacher_close_mb"] = rss_mb()
    student = bench_student()
    out["rss_before_training_mb"] = rss_mb()
    trainer = AccelerateTrainer(max_steps=steps, batch_size=batch_size, learning_rate=1e-3, save_every=None,
                                progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        result = trainer.train(TrainJob(student=student, loss=loss, views=views, evaluate=lambda: {"x": 0.0},
                                        out_dir=Path(tmp)))
    out["peak_rss_training_mb"] = result.peak_rss_mb
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--mode", choices=["with-teacher", "student-only"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print("RESULT " + json.dumps(run(args.mode, args.steps, args.batch_size)))
        return
    results = {}
    for mode in ("with-teacher", "student-only"):
        cmd = [sys.executable, __file__, "--mode", mode, "--steps", str(args.steps), "--batch-size",
               str(args.batch_size)]
        lines = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
        results[mode] = json.loads(next(line for line in lines if line.startswith("RESULT "))[7:])
    a, b = results["with-teacher"], results["student-only"]
    results["training_peak_difference_mb"] = round(a["peak_rss_training_mb"] - b["peak_rss_training_mb"], 1)
    results["teacher_resident_during_training"] = (
        results["training_peak_difference_mb"] > 0.5 * a["teacher_weights_mb"])
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
