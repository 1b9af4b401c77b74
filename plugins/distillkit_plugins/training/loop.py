"""The training loop behind the ``accelerate`` trainer; read ``TrainingLoop.run`` top to bottom."""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState, PartialState
from accelerate.utils import broadcast_object_list, set_seed
from tqdm.auto import tqdm

from distillkit.components import TrainJob, TrainResult
from distillkit.errors import DataError, DistillkitError
from distillkit_plugins.training import checkpoints as ckpt
from distillkit_plugins.training.batching import BatchPlan
from distillkit_plugins.training.collate import collate
from distillkit_plugins.training.encode import encode_views
from distillkit_plugins.training.fast_modules import fuse_modules
from distillkit_plugins.training.peak_rss import PeakRSS
from distillkit_plugins.training.precision import resolve_precision
from distillkit_plugins.training.rng import preserved_rng
from distillkit_plugins.training.schedules import make_schedule
from distillkit_plugins.training.view_loss import (
    accepts_logits_to_keep,
    batch_loss,
    component_means,
    packing_is_exact,
    present_means,
    scored_logits,
    token_ce,
    view_means,
)

log = logging.getLogger(__name__)
DEFAULT_MAX_LENGTH = 512
FAST_PATHS = True  # fused modules and fused AdamW; tests turn it off to compare with the plain path


def _param_groups(model: Any, weight_decay: float) -> list[dict[str, Any]]:
    """Decay matrices only: decaying biases and norm gains just fights the normalisation."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [{"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]


def _adamw(model: Any, opts: Any, acc: Accelerator) -> torch.optim.AdamW:
    """AdamW, fused into one kernel per step where torch has it (the default is one loop per tensor
    on CPU): plain tensors on one CPU or CUDA device, not sharded by FSDP or DeepSpeed."""
    plain = acc.distributed_type.value in ("NO", "MULTI_CPU", "MULTI_GPU")
    fused = FAST_PATHS and plain and all(p.device.type in ("cpu", "cuda") for p in model.parameters())
    return torch.optim.AdamW(_param_groups(model, opts.weight_decay), lr=opts.learning_rate, fused=fused or None)


def _accelerator(opts: Any, out_dir: Path) -> Accelerator:
    precision, why = resolve_precision(opts.mixed_precision)
    if opts.mixed_precision == "auto":
        log.info("mixed_precision auto -> %s (%s)", precision or "accelerate's setting", why)

    def make() -> Accelerator:
        return Accelerator(cpu=not torch.accelerator.is_available(), mixed_precision=precision,
                           log_with=opts.log_with or None, project_dir=str(out_dir),
                           step_scheduler_with_optimizer=False)

    try:
        return make()
    except ValueError as exc:
        # accelerate keeps one precision per process; a lone process that trains again with another
        # (a bench, a notebook, a test session) starts its state afresh. Launched processes never do.
        if "already been initialized" not in str(exc) or PartialState().num_processes > 1:
            raise
        AcceleratorState._reset_state()
        return make()


class TrainingLoop:
    """One training run of ``job`` with the trainer's options; ``run()`` returns the TrainResult."""

    def __init__(self, opts: Any, job: TrainJob):
        self.opts, self.job = opts, job
        # Without any accelerator device, say cpu=True: accelerate then runs several launched processes
        # as DDP over gloo (MULTI_CPU) instead of silently treating each one as a lone process.
        self.acc = _accelerator(opts, job.out_dir)
        self.seed = job.seed if opts.seed is None else opts.seed
        set_seed(self.seed)  # a resumed run overwrites every RNG from its checkpoint
        student = job.student
        if student.model is None:
            student.load()
        max_length = opts.max_length or getattr(student.options, "max_length", DEFAULT_MAX_LENGTH)
        self.data = encode_views(student, job.views, max_length)
        if not self.data.views:
            raise DataError(f"no training views left ({len(job.views)} given, {self.data.stats['dropped']} had "
                            f"prompts longer than max_length={max_length}); check the annotations or max_length")
        self.max_length = max_length
        # Losses that score tokens themselves (logit distillation) add components beside the CE ones.
        self.token_loss = job.loss if job.loss.token_components() else None
        if self.token_loss is not None:
            self.token_loss.prepare_training(student=student, data=self.data, out_dir=job.out_dir,
                                             accelerator=self.acc)
        self.components = self.data.components + (self.token_loss.token_components() if self.token_loss else [])
        self.tokenizer = student.tokenizer
        self.decoder_start_id = getattr(student.model.config, "decoder_start_token_id", None)
        self.layout = self._layout(student)
        group_len = [sum(self.data.views[v].length for v in g) for g in self.data.groups]
        self.plan = BatchPlan(group_len, opts.batch_size, seed=self.seed, group_by_length=opts.group_by_length)
        student.model.train()
        if FAST_PATHS and self.acc.mixed_precision == "no":  # same numbers in fp32 (checked per module)
            log.info("fused %d norm/activation modules", fuse_modules(student.model))
        optimizer = _adamw(student.model, opts, self.acc)
        scheduler = make_schedule(opts.lr_scheduler, optimizer, warmup_steps=opts.warmup_steps,
                                  total_steps=opts.max_steps)
        self.model, self.optimizer, self.scheduler = self.acc.prepare(student.model, optimizer, scheduler)
        self.state: dict[str, Any] = {"step": 0, "history": [], "best": {}, "best_step": None}
        self._pending = self._empty_pending()
        last = ckpt.latest_checkpoint(job.out_dir)
        if last is not None:
            self.state = ckpt.load_checkpoint(self.acc, last)
            log.info("resuming from %s (step %d)", last, self.state["step"])

    def _layout(self, student: Any) -> str:
        model = student.model
        self.keep_supported = accepts_logits_to_keep(model) and not student.is_encoder_decoder
        if student.is_encoder_decoder:
            return "seq2seq"
        if not self.opts.packing:
            return "pad"
        if packing_is_exact(model, keep_supported=self.keep_supported):
            return "pack"
        log.warning("%s does not isolate packed sequences; training with padded rows instead",
                    type(model).__name__)
        return "pad"

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> TrainResult:
        opts, acc = self.opts, self.acc
        if opts.log_with:
            acc.init_trackers("distillkit", config=self._tracker_config())
        if not self.state["history"]:  # a fresh run: say what the data became
            stats = self.data.stats
            self._record({"step": 0, "examples": len(self.data.groups), "views": stats["views"],
                          "views_truncated": stats["truncated"], "views_dropped": stats["dropped"]})
        bar = tqdm(total=opts.max_steps, initial=self.state["step"], desc="train", dynamic_ncols=True,
                   disable=not (opts.progress and acc.is_main_process))
        with PeakRSS() as rss:
            self._tick = time.perf_counter()
            while self.state["step"] < opts.max_steps:
                self._train_step()
                self.state["step"] = step = self.state["step"] + 1
                bar.update(1)
                final = step == opts.max_steps
                save = final or (opts.save_every is not None and step % opts.save_every == 0)
                if save or step % opts.log_every == 0:  # a row at every save: nothing pending in a checkpoint
                    row = self._log_row()
                    bar.set_postfix(loss=f"{row['loss']:.4f}", tok_s=f"{row['tokens_per_s']:.0f}")
                if final or (opts.eval_every is not None and step % opts.eval_every == 0):
                    self._evaluate()
                if save:
                    ckpt.save_checkpoint(acc, self.job.out_dir, step, self.state, keep=opts.keep_checkpoints)
            self._restore_best()
        bar.close()
        if opts.log_with:
            acc.end_training()
        self.job.student.model = acc.unwrap_model(self.model, keep_fp32_wrapper=False)
        return TrainResult(steps=self.state["step"], history=self.state["history"], best=self.state["best"],
                           best_step=self.state["best_step"], peak_rss_mb=round(rss.peak_mb, 1))

    def _train_step(self) -> None:
        acc, opts = self.acc, self.opts
        micro = list(self.plan.micro_batches(self.state["step"], grad_accum=opts.grad_accum,
                                             rank=acc.process_index, world=acc.num_processes))
        for i, examples in enumerate(micro):
            views = [self.data.views[v] for g in examples for v in self.data.groups[g]]
            batch = collate(views, layout=self.layout, pad_id=self.tokenizer.pad_token_id,
                            row_length=self.max_length, decoder_start_id=self.decoder_start_id).to(acc.device)
            # gradients are all-reduced once per optimizer step, on the last micro-batch
            with nullcontext() if i == len(micro) - 1 else acc.no_sync(self.model):
                terms, logits = self._terms(batch, views)
                total = batch_loss(self.job.loss, terms, logits)
                acc.backward(total / len(micro))
            self._accumulate(total, terms, batch.real_tokens)
        if opts.max_grad_norm is not None:
            norm = acc.clip_grad_norm_(self.model.parameters(), opts.max_grad_norm)
            self._pending["grad_norm"] = float(norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)

    def _terms(self, batch: Any, views: list) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """One forward pass -> ``{component: mean}`` for the components present in the batch."""
        logits = scored_logits(self.model, batch, keep_supported=self.keep_supported)
        means, present = component_means(*view_means(token_ce(logits, batch), batch), batch,
                                         len(self.data.components))
        terms = present_means(means, present, self.data.components)
        if self.token_loss is not None:
            terms.update(self.token_loss.token_terms(logits, batch, views))
        return terms, logits

    # -- logging ----------------------------------------------------------------------------

    def _empty_pending(self) -> dict[str, Any]:
        n = len(self.components)
        # sums: [total, micro-batches, component sums (n), component counts (n), real tokens]
        return {"sums": torch.zeros(3 + 2 * n, dtype=torch.float64), "grad_norm": None}

    def _accumulate(self, total: torch.Tensor, terms: dict[str, torch.Tensor], tokens: int) -> None:
        n, sums = len(self.components), self._pending["sums"]
        sums[0] += float(total.detach())
        sums[1] += 1
        for name, value in terms.items():
            i = self.components.index(name)
            sums[2 + i] += float(value.detach())
            sums[2 + n + i] += 1
        sums[-1] += tokens

    def _log_row(self) -> dict[str, Any]:
        """Reduce what was accumulated since the last row over processes; record, emit and track it."""
        n = len(self.components)
        summed = self.acc.reduce(self._pending["sums"].to(self.acc.device), reduction="sum").cpu()
        now = time.perf_counter()
        row: dict[str, Any] = {"step": self.state["step"], "loss": float(summed[0] / summed[1])}
        for i, name in enumerate(self.components):
            if summed[2 + n + i] > 0:
                row[f"loss/{name}"] = float(summed[2 + i] / summed[2 + n + i])
        row["lr"] = float(self.scheduler.get_last_lr()[0])
        if self._pending["grad_norm"] is not None:
            row["grad_norm"] = self._pending["grad_norm"]
        row["tokens"] = int(summed[-1])  # real (non-pad) prompt + target tokens since the last row
        row["tokens_per_s"] = row["tokens"] / max(now - self._tick, 1e-9)
        row["epoch"] = round(self.plan.epoch_of(self.state["step"], grad_accum=self.opts.grad_accum,
                                                world=self.acc.num_processes), 4)
        self._tick, self._pending = now, self._empty_pending()
        self._record(row)
        return row

    def _record(self, row: dict[str, Any]) -> None:
        self.state["history"].append(row)
        if self.acc.is_main_process:
            self.job.emit("train_log", row)
        if self.opts.log_with:
            self.acc.log({k: v for k, v in row.items() if k != "step"}, step=row["step"])

    def _tracker_config(self) -> dict[str, Any]:
        cfg = self.opts.model_dump(mode="json")
        return {k: (v if isinstance(v, (int, float, str, bool)) else str(v)) for k, v in cfg.items()}

    # -- evaluation and model selection -------------------------------------------------------

    def _evaluate(self) -> None:
        acc, job, step = self.acc, self.job, self.state["step"]
        acc.wait_for_everyone()
        metrics = None
        if acc.is_main_process:
            with preserved_rng():  # evaluating must not change the training run's randomness
                metrics = {k: float(v) for k, v in job.evaluate().items()}
        if acc.num_processes > 1:
            metrics = broadcast_object_list([metrics])[0]
        self.model.train()
        self._record({"step": step, **{f"val/{k}": v for k, v in metrics.items()}})
        if self._improved(metrics):
            self.state["best"], self.state["best_step"] = metrics, step
            if acc.is_main_process:
                ckpt.save_best(acc.unwrap_model(self.model), job.out_dir, step)
        acc.wait_for_everyone()

    def _improved(self, metrics: dict[str, float]) -> bool:
        name = self.job.select_metric
        if name is None:  # no selection: the final model is the result
            return True
        if name not in metrics:
            raise DistillkitError(f"select_metric {name!r} is not among the evaluation results "
                                  f"({', '.join(sorted(metrics)) or 'none'})")
        if self.state["best_step"] is None:
            return True
        best = self.state["best"][name]
        return metrics[name] > best if self.job.select_higher_is_better else metrics[name] < best

    def _restore_best(self) -> None:
        best = self.state["best_step"]
        if best is not None and best != self.state["step"] and self.job.select_metric is not None:
            self.acc.wait_for_everyone()
            ckpt.load_best(self.acc.unwrap_model(self.model), self.job.out_dir, best)
