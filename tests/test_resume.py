"""Kill -9 in the middle of training, resume, and end exactly where an uninterrupted run ends.

Run as a script (``python tests/test_resume.py OUT_DIR [--slow]``) it trains the toy job into
OUT_DIR and writes OUT_DIR/result.json; the test drives it in subprocesses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

TIMING = {"tokens_per_s"}  # the only logged values that depend on the wall clock
# one intra-op thread everywhere: same numerics in every process, no OpenMP spinning on a shared CPU
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}


def train_toy(out_dir: Path, *, slow: bool = False):
    from distillkit_plugins.hf.tiny import TINY_LLAMA, tiny_student
    from distillkit_plugins.training.toy import toy_views
    from distillkit_plugins.training.trainer import AccelerateTrainer

    from distillkit.components import TrainJob

    task, loss, _, views = toy_views(32)
    validation = task.load().validation[:4]
    student = tiny_student({**TINY_LLAMA, "attention_dropout": 0.1})  # training depends on the RNG

    def evaluate():
        outs = student.generate([loss.inference_prompt(e, task) for e in validation], max_new_tokens=4)
        fmt = task.answer_format
        hits = [fmt.is_correct(fmt.extract(o[0], e), e) for o, e in zip(outs, validation)]
        return {"acc": sum(hits) / len(hits)}

    trainer = AccelerateTrainer(max_steps=16, save_every=4, eval_every=8, log_every=2, batch_size=4,
                                learning_rate=3e-3, progress=False)
    emit = (lambda event, payload: time.sleep(0.25)) if slow else (lambda event, payload: None)
    return trainer.train(TrainJob(student=student, loss=loss, views=views, evaluate=evaluate, out_dir=out_dir,
                                  select_metric="acc", emit=emit))


def _checkpoint_step(out_dir: Path) -> int:
    from distillkit_plugins.training.checkpoints import latest_checkpoint

    last = latest_checkpoint(out_dir)
    return int(last.name.split("-")[1]) if last else 0


def _loss(rows):
    return [r["loss"] for r in rows if "loss" in r][-1]


def _comparable(history):
    return [{k: v for k, v in row.items() if k not in TIMING} for row in history]


def test_kill_9_mid_training_then_resume_matches_uninterrupted_run(tmp_path):
    import pytest
    import torch

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, __file__, str(out), "--slow"], env=ENV)
    deadline = time.monotonic() + 120
    while _checkpoint_step(out) < 4:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no checkpoint after 120 s"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _checkpoint_step(out)
    assert 4 <= killed_at < 16 and not (out / "result.json").exists()

    subprocess.run([sys.executable, __file__, str(out)], check=True, timeout=300, env=ENV)
    resumed = json.loads((out / "result.json").read_text())
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        reference = asdict(train_toy(tmp_path / "reference"))
    finally:
        torch.set_num_threads(threads)

    assert resumed["steps"] == reference["steps"] == 16
    assert (resumed["best"], resumed["best_step"]) == (reference["best"], reference["best_step"])
    got, want = _comparable(resumed["history"]), _comparable(reference["history"])
    assert [r["step"] for r in got] == [r["step"] for r in want]
    for a, b in zip(got, want):
        assert a == pytest.approx(b, rel=1e-5, abs=1e-7), a["step"]
    worst = max(abs(a[k] - b[k]) / max(abs(b[k]), 1e-12) for a, b in zip(got, want) for k in b if k != "step")
    print(f"\nkilled at checkpoint step {killed_at}; {len(got)} logged rows; final loss resumed "
          f"{_loss(got):.6f} vs uninterrupted {_loss(want):.6f}; largest relative difference {worst:.2e}")


if __name__ == "__main__":
    target = Path(sys.argv[1])
    result = train_toy(target, slow="--slow" in sys.argv)
    (target / "result.json").write_text(json.dumps(asdict(result)))
