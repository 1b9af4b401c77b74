"""Where the time of one distillkit training step goes, on the Flan-T5-shaped students of
bench/tinyllm_reference_step.py (same stand-in data, batch 8 examples = 24 views, fp32).

torch.profiler records a few steps; forward ops are attributed to the module they ran in (encoder,
decoder, LM head, anything else = loss and glue), backward ops to the forward op that created them
(autograd sequence numbers), plus collate and the optimizer step. What remains of the step's wall
time is python overhead outside any op. Shares are of the profiled time (the profiler adds its own
per-op cost; the unprofiled s/step is printed too).

    python bench/train_profile.py [--model small|base] [--steps 4] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import torch
from torch.autograd.profiler import record_function
from torch.profiler import ProfilerActivity, profile

PARTS = ("encoder", "decoder", "lm_head")


def _ranges(model) -> list:
    """Forward pre/post hooks opening and closing a profiler range named after each part."""
    handles = []
    for name in PARTS:
        module = model.get_output_embeddings() if name == "lm_head" else getattr(model, name)
        open_ranges: list = []

        def pre(_m, _a, name=name, open_ranges=open_ranges):
            open_ranges.append(record_function(f"part:{name}").__enter__())

        def post(_m, _a, _o, open_ranges=open_ranges):
            open_ranges.pop().__exit__(None, None, None)

        handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
    return handles


@contextmanager
def _collate_range(loop_module):
    original = loop_module.collate

    def wrapped(*args, **kwargs):
        with record_function("part:collate"):
            return original(*args, **kwargs)

    loop_module.collate = wrapped
    try:
        yield
    finally:
        loop_module.collate = original


def breakdown(events, wall_s: float) -> dict[str, float]:
    """Seconds per part: forward ops by enclosing range, backward ops by their forward op's part,
    the optimizer step, other top-level ops (the loss, glue), and python outside any op."""
    ranges = [(e.time_range.start, e.time_range.end, e.name[5:])
              for e in events if e.name.startswith("part:")]
    part_of_seq: dict[int, str] = {}
    for e in events:  # forward ops with an autograd node: remember the innermost part they ran in
        if e.sequence_nr >= 0 and not e.name.startswith(("autograd::", "part:")):
            inner = [r for r in ranges if r[0] <= e.time_range.start and e.time_range.end <= r[1]]
            innermost = min(inner, key=lambda r: r[1] - r[0])[2] if inner else "loss"
            part_of_seq.setdefault(e.sequence_nr, innermost)
    seconds: dict[str, float] = defaultdict(float)
    for e in events:
        if e.cpu_parent is not None:
            continue
        t = e.cpu_time_total / 1e6
        if e.name.startswith("part:"):
            seconds[e.name[5:] if e.name == "part:collate" else f"forward:{e.name[5:]}"] += t
        elif e.name.startswith("autograd::engine::evaluate_function"):
            seconds[f"backward:{part_of_seq.get(e.sequence_nr, 'loss')}"] += t
        elif e.name.startswith("Optimizer.step"):
            seconds["optimizer"] += t
        else:
            seconds["other ops (loss, glue)"] += t
    seconds["python outside ops"] = max(wall_s - sum(seconds.values()), 0.0)
    return dict(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="small")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import tinyllm_reference_step as ref
    from distillkit_plugins.training import loop as loop_module
    from distillkit_plugins.training.trainer import AccelerateTrainer

    from distillkit.components import TrainJob

    torch.manual_seed(0)
    loss, views = ref._views(256)
    student = ref._student(args.model)
    opts = AccelerateTrainer.Options(max_steps=1000, batch_size=8, learning_rate=ref.LR, save_every=None,
                                     progress=False, max_grad_norm=None, mixed_precision="no")
    job = TrainJob(student=student, loss=loss, views=views, evaluate=dict, out_dir=Path(tempfile.mkdtemp()),
                   select_metric=None)
    loop = loop_module.TrainingLoop(opts, job)

    def steps(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            loop._train_step()
            loop.state["step"] += 1
        return time.perf_counter() - start

    steps(2)  # warm-up
    plain = steps(args.steps) / args.steps
    handles = _ranges(loop.model)
    with _collate_range(loop_module), profile(activities=[ProfilerActivity.CPU]) as prof:
        wall = steps(args.steps)
    for h in handles:
        h.remove()
    parts = breakdown(prof.events(), wall)
    total = sum(parts.values())
    matmuls = ("aten::mm", "aten::addmm", "aten::bmm")
    mm = sum(e.self_cpu_time_total for e in prof.key_averages() if e.key in matmuls)
    print(json.dumps({
        "model": args.model, "threads": args.threads, "load_average": os.getloadavg(),
        "s_per_step_unprofiled": round(plain, 4), "s_per_step_profiled": round(wall / args.steps, 4),
        "share_of_profiled_step": {k: round(v / total, 3)
                                   for k, v in sorted(parts.items(), key=lambda kv: -kv[1])},
        "matmul_share (mm+addmm+bmm self time)": round(mm / 1e6 / wall, 3),
        "top_ops_self_s_per_step": {e.key: round(e.self_cpu_time_total / 1e6 / args.steps, 4) for e in sorted(
            prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:12]},
    }, indent=2))


if __name__ == "__main__":
    main()
