"""The ``accelerate`` trainer: its options and its entry point (the loop is in loop.py)."""

from __future__ import annotations

import importlib.util
from typing import Any, Literal

from pydantic import Field

from distillkit.components import ComponentOptions, CrossCheck, Trainer, TrainJob, TrainResult

TRACKER_PACKAGES = {"tensorboard": "tensorboard", "wandb": "wandb", "mlflow": "mlflow"}


class AccelerateTrainer(Trainer):
    """One training loop on accelerate: all views of a batch in one forward pass, packed; real resume.

    Runs unchanged on one CPU or under ``accelerate launch`` (DDP, multi-node, FSDP, DeepSpeed:
    whatever the user's accelerate config says). ``batch_size`` counts examples per process
    and micro-batch: every view of an example (its answer and each teacher's rationale) goes
    into the same forward pass, so each step sees every loss component. The global batch is
    ``batch_size * grad_accum * processes`` examples.

    Every ``save_every`` steps (and at the end) a checkpoint holds model, optimizer, scheduler
    and RNG states; the data position is a function of the step. A job whose ``out_dir`` holds
    a checkpoint resumes from it and ends exactly as an uninterrupted run would.
    ``job.evaluate()`` runs every ``eval_every`` steps and at the end (main process; others
    wait); the best weights by ``job.select_metric`` are restored into the student at the end.
    """

    name = "accelerate"
    default = True

    class Options(ComponentOptions):
        learning_rate: float = Field(5e-5, gt=0, description="Peak learning rate of AdamW.")
        max_steps: int = Field(1000, ge=1, description="Optimizer steps to train for.")
        batch_size: int = Field(
            8, ge=1, description="Examples per micro-batch per process; all views of an example share its "
            "forward pass.",
        )
        grad_accum: int = Field(1, ge=1, description="Micro-batches accumulated per optimizer step.")
        max_grad_norm: float | None = Field(1.0, gt=0, description="Clip the gradient norm to this; null: no clipping.")
        warmup_steps: int = Field(0, ge=0, description="Linear learning-rate warm-up steps.")
        lr_scheduler: Literal["linear", "cosine", "constant"] = Field(
            "linear", description="Learning-rate schedule after warm-up: linear or cosine decay to 0, or constant.",
        )
        weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay (not applied to biases and norms).")
        eval_every: int | None = Field(
            None, ge=1, description="Evaluate on validation every this many steps (always at the end).",
        )
        save_every: int | None = Field(
            200, ge=1, description="Checkpoint every this many steps (always at the end); null: only at the end.",
        )
        keep_checkpoints: int = Field(1, ge=1, description="Newest checkpoints kept on disk.")
        mixed_precision: Literal["auto", "no", "fp16", "bf16"] | None = Field(
            "auto", description="Autocast precision. auto: bf16 on a CUDA GPU with bf16 or a CPU with "
            "AVX-512 BF16/AMX, else fp32 (or what `accelerate launch` sets); null: what accelerate says.",
        )
        log_every: int = Field(10, ge=1, description="Log loss components, lr and tokens/s every this many steps.")
        log_with: list[Literal["tensorboard", "wandb", "mlflow"]] = Field(
            default_factory=list, description="Experiment trackers (through accelerate); each needs its package.",
        )
        group_by_length: bool = Field(True, description="Batch examples of similar length together.")
        packing: bool = Field(
            True, description="Decoder-only: pack views into rows with block-diagonal attention (no padding "
            "compute). Off: one padded row per view. Falls back to padding if the model ignores packing.",
        )
        max_length: int | None = Field(
            None, ge=8, description="Longest view in tokens (longer targets are cut and counted); "
            "null: the student's max_length.",
        )
        seed: int | None = Field(None, description="Seed of data order and dropout; null: the pipeline's seed.")
        progress: bool = Field(True, description="Show a progress bar with loss and tokens/s.")

    @classmethod
    def cross_check(cls, options: Any, pipeline: Any) -> list[CrossCheck]:
        # accelerate only warns about a tracker whose package is missing, then logs nothing
        return [CrossCheck(location=f"log_with[{i}]", message=f"tracker {name!r} needs the {TRACKER_PACKAGES[name]!r} "
                           "package, which is not installed", hint=f"pip install {TRACKER_PACKAGES[name]}")
                for i, name in enumerate(options.log_with) if importlib.util.find_spec(TRACKER_PACKAGES[name]) is None]

    def train(self, job: TrainJob) -> TrainResult:
        from distillkit_plugins.training.loop import TrainingLoop

        return TrainingLoop(self.options, job).run()
