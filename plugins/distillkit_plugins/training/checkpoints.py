"""Training checkpoints that really resume, and the best models by the validation metric.

A checkpoint is ``<out_dir>/checkpoints/step-XXXXXXXX/``: accelerate's ``save_state`` (model,
optimizer, scheduler, every RNG) plus ``trainer_state.json`` (step, logged history, best so
far). The JSON is written last, atomically, so a folder without it is an interrupted save and
is ignored. The data position needs no file: it is a function of the step (see batching.py).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

STATE_FILE = "trainer_state.json"


def checkpoint_root(out_dir: Path) -> Path:
    return Path(out_dir) / "checkpoints"


def best_dir(out_dir: Path) -> Path:
    return Path(out_dir) / "best"


def write_json(path: Path, data: Any) -> None:
    """Atomic JSON write: a reader sees the old file or the whole new one, never half of it."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def latest_checkpoint(out_dir: Path) -> Path | None:
    """The newest complete checkpoint folder, or None."""
    root = checkpoint_root(out_dir)
    if not root.is_dir():
        return None
    done = [d for d in root.iterdir() if d.name.startswith("step-") and (d / STATE_FILE).is_file()]
    return max(done, key=lambda d: d.name, default=None)


def save_checkpoint(accelerator: Any, out_dir: Path, step: int, state: dict[str, Any], *, keep: int) -> Path:
    """Save on every process (each writes its own RNG state); the main one marks it complete and prunes."""
    folder = checkpoint_root(out_dir) / f"step-{step:08d}"
    accelerator.save_state(str(folder))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        write_json(folder / STATE_FILE, state)
        done = sorted(d for d in checkpoint_root(out_dir).iterdir() if d.name.startswith("step-"))
        for old in done[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
        prune_best(out_dir, state.get("best_step"))
    accelerator.wait_for_everyone()
    return folder


def load_checkpoint(accelerator: Any, folder: Path) -> dict[str, Any]:
    """Restore model, optimizer, scheduler and RNG from ``folder``; return the trainer state."""
    accelerator.load_state(str(folder))
    return json.loads((folder / STATE_FILE).read_text())


def _best_file(out_dir: Path, step: int) -> Path:
    return best_dir(out_dir) / f"step-{step:08d}.safetensors"


def save_best(model: Any, out_dir: Path, step: int) -> None:
    """Keep the weights of ``step`` as a best-model candidate (one file per step, see ``prune_best``)."""
    from safetensors.torch import save_model

    best_dir(out_dir).mkdir(parents=True, exist_ok=True)
    save_model(model, str(_best_file(out_dir, step)))  # handles tied weights, unlike save_file
    prune_best(out_dir, step)


def load_best(model: Any, out_dir: Path, step: int) -> None:
    """Put the weights saved at ``step`` back into ``model``."""
    from safetensors.torch import load_model

    load_model(model, str(_best_file(out_dir, step)))


def prune_best(out_dir: Path, current_best: int | None) -> None:
    """Drop best-model files nobody can need: keep the current best and those the kept checkpoints name.

    A run resumed from an older checkpoint may still end up preferring that checkpoint's best
    (a replayed evaluation that comes out differently), so its file must survive.
    """
    keep = {current_best}
    for folder in checkpoint_root(out_dir).glob("step-*"):
        if (folder / STATE_FILE).is_file():
            keep.add(json.loads((folder / STATE_FILE).read_text()).get("best_step"))
    for f in best_dir(out_dir).glob("step-*.safetensors"):
        if int(f.stem.split("-")[1]) not in keep:
            f.unlink()
