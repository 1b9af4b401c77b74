"""DDP on CPU: ``accelerate launch --multi_gpu --num_processes 2`` trains the toy job through the
trainer (DDP over gloo), and its loss per step matches one process with the same global batch
(2 micro-batches accumulated).

Why not ``--cpu``: in accelerate 1.15, ``accelerate launch --cpu --num_processes 2`` starts ONE
process unless an MPI hostfile is configured. ``--multi_gpu`` starts the processes through
torchrun; on a machine without GPUs the trainer creates its Accelerator with ``cpu=True``,
which makes them one gloo process group.

Run as a script (under ``accelerate launch``) it trains into OUT_DIR and the main process writes
OUT_DIR/result.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

STEPS, BATCH = 6, 2  # per process: 2 processes x 2 examples == 1 process x 2 examples x 2 accumulations


def train_toy(out_dir: Path, *, grad_accum: int):
    from distillkit_plugins.hf.tiny import tiny_student
    from distillkit_plugins.training.toy import toy_views
    from distillkit_plugins.training.trainer import AccelerateTrainer

    from distillkit.components import TrainJob

    _, loss, _, views = toy_views(16)
    trainer = AccelerateTrainer(max_steps=STEPS, batch_size=BATCH, grad_accum=grad_accum, learning_rate=3e-3,
                                log_every=1, save_every=None, mixed_precision="no", progress=False)
    job = TrainJob(student=tiny_student(), loss=loss, views=views, evaluate=lambda: {"acc": 0.0}, out_dir=out_dir,
                   select_metric="acc")
    return trainer.train(job)


@pytest.mark.distributed
def test_two_process_ddp_matches_one_process_with_the_same_global_batch(tmp_path):
    import torch

    # the launcher installed beside this interpreter (CI runs .venv/bin/python without activating)
    beside = Path(sys.executable).parent / "accelerate"
    launcher = str(beside) if beside.exists() else shutil.which("accelerate")
    assert launcher, "accelerate's launcher is neither beside the interpreter nor on PATH"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PATH": path}
    cmd = [launcher, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
           "--dynamo_backend", "no", "--main_process_port", "0", __file__, str(tmp_path / "ddp")]
    subprocess.run(cmd, check=True, timeout=240, env=env)
    ddp = json.loads((tmp_path / "ddp" / "result.json").read_text())

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        single = asdict(train_toy(tmp_path / "single", grad_accum=2))
    finally:
        torch.set_num_threads(threads)

    def rows(result):
        return [r for r in result["history"] if "loss" in r]

    got, want = rows(ddp), rows(single)
    assert ddp["processes"] == 2  # really two processes, not two copies of a lone one
    assert [r["step"] for r in got] == [r["step"] for r in want] == list(range(1, STEPS + 1))
    for key in ("loss", "loss/answer", "loss/rationale:steps", "loss/rationale:words", "grad_norm", "lr"):
        assert [r[key] for r in got] == pytest.approx([r[key] for r in want], rel=1e-4), key
    assert want[-1]["loss"] < 0.9 * want[0]["loss"]  # and it learns
    print("\nstep  ddp-2-proc-loss  single-proc-loss")
    for a, b in zip(got, want):
        print(f"{a['step']:>4}  {a['loss']:.6f}  {b['loss']:.6f}")


if __name__ == "__main__":
    from accelerate import PartialState

    target = Path(sys.argv[1])
    result = train_toy(target, grad_accum=1)
    state = PartialState()
    if state.is_main_process:
        (target / "result.json").write_text(json.dumps({**asdict(result), "processes": state.num_processes}))
