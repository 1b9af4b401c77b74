"""Training checkpoints that really resume, and the best model by the validation metric.

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
BEST_WEIGHTS = "model.safetensors"
BEST_INFO = "best.json"


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
    accelerator.wait_for_everyone()
    return folder


def load_checkpoint(accelerator: Any, folder: Path) -> dict[str, Any]:
    """Restore model, optimizer, scheduler and RNG from ``folder``; return the trainer state."""
    accelerator.load_state(str(folder))
    return json.loads((folder / STATE_FILE).read_text())


def save_best(model: Any, out_dir: Path, step: int, metrics: dict[str, float]) -> None:
    from safetensors.torch import save_model

    folder = best_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    save_model(model, str(folder / BEST_WEIGHTS))  # handles tied weights, unlike save_file
    write_json(folder / BEST_INFO, {"step": step, "metrics": metrics})


def load_best(model: Any, out_dir: Path, step: int) -> None:
    """Put the weights saved at ``step`` back into ``model``; refuses weights from another step."""
    from safetensors.torch import load_model

    folder = best_dir(out_dir)
    info = json.loads((folder / BEST_INFO).read_text())
    if info["step"] != step:
        raise RuntimeError(f"{folder} holds the model of step {info['step']}, expected step {step}")
    load_model(model, str(folder / BEST_WEIGHTS))
