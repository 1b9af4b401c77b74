"""Training throughput on CPU: distillkit's trainer vs a loop shaped like the TinyLLM reference code.

Same ~28M-parameter llama student (SmolLM2 tokenizer), same data: 1 answer + 2 rationale views per
example, same examples per step, same optimizer. The baseline does what the reference does each
step: one forward pass per view kind (predict / explain / rationale), each padded to a fixed max
length (here the longest view in the data, so nothing is truncated), with the model's own loss
over full-vocabulary logits at every position. distillkit's trainer puts all views of the batch
through ONE forward pass, packed into rows without padding, and computes logits only where a
target token is predicted. Throughput counts real (non-pad) prompt + target tokens only.

Achieved FLOP/s counts the useful work per real token (6 x non-embedding params, 6 x hidden x
vocab for each scored token, 12 x layers x hidden x n^2 attention per view of n tokens) and is
compared with this machine's fp32 matmul peak measured in the same run.

    nice -n 10 python bench/train_throughput.py [--examples 256 --batch-size 8 --steps 10 --warmup 2 --rounds 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from distillkit_plugins.training.batching import BatchPlan
from distillkit_plugins.training.encode import encode_views
from distillkit_plugins.training.peak_rss import PeakRSS
from distillkit_plugins.training.trainer import AccelerateTrainer
from train_common import bench_student, bench_views, matmul_peak_gflops, param_counts

from distillkit.components import TrainJob

LR = 1e-3


def baseline(loss, views, *, batch_size: int, steps: int, warmup: int) -> dict:
    """TinyLLM-reference-shaped steps: one padded forward per view kind, HF loss, one backward."""
    student = bench_student()
    data = encode_views(student, views, 256)
    model, pad = student.model.train(), student.tokenizer.pad_token_id
    width = max(v.length for v in data.views)
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    plan = BatchPlan([1] * len(data.groups), batch_size, seed=0, group_by_length=False)
    weights = loss.weights()
    tokens = seconds = 0.0
    with PeakRSS() as rss:
        for step in range(warmup + steps):
            start = time.perf_counter()
            groups = plan.batch(step)
            total = 0.0
            for c, name in enumerate(data.components):
                vs = [data.views[v] for g in groups for v in data.groups[g] if data.views[v].component == c]
                ids = torch.full((len(vs), width), pad)
                labels = torch.full((len(vs), width), -100)
                mask = torch.zeros((len(vs), width), dtype=torch.long)
                for i, v in enumerate(vs):
                    ids[i, :v.length] = torch.tensor(v.prompt + v.target)
                    labels[i, len(v.prompt):v.length] = torch.tensor(v.target)
                    mask[i, :v.length] = 1
                total = total + weights[name] * model(input_ids=ids, attention_mask=mask, labels=labels).loss
            total.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            if step >= warmup:
                seconds += time.perf_counter() - start
                tokens += sum(data.views[v].length for g in groups for v in data.groups[g])
    return {"tokens_per_s": tokens / seconds, "s_per_step": seconds / steps, "peak_rss_mb": round(rss.peak_mb)}


def distillkit(loss, views, *, batch_size: int, steps: int, warmup: int) -> dict:
    student = bench_student()
    trainer = AccelerateTrainer(max_steps=warmup + steps, batch_size=batch_size, learning_rate=LR, log_every=1,
                                save_every=None, progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        result = trainer.train(TrainJob(student=student, loss=loss, views=views, evaluate=lambda: {"x": 0.0},
                                        out_dir=Path(tmp), select_metric=None))
    rows = [r for r in result.history if "tokens_per_s" in r][warmup:]
    tokens = sum(r["tokens"] for r in rows)
    seconds = sum(r["tokens"] / r["tokens_per_s"] for r in rows)
    return {"tokens_per_s": tokens / seconds, "s_per_step": seconds / len(rows), "peak_rss_mb": result.peak_rss_mb}


def useful_flops_per_token(student, views) -> float:
    """Training FLOPs the data needs per real token (see the module docstring)."""
    data = encode_views(student, views, 256)
    cfg, params = student.model.config, param_counts(student.model)
    real = sum(v.length for v in data.views)
    scored = sum(len(v.target) for v in data.views)
    attention = 12 * cfg.num_hidden_layers * cfg.hidden_size * sum(v.length**2 for v in data.views)
    head = 6 * cfg.hidden_size * cfg.vocab_size * scored
    return (6 * (params["non_embedding"]) * real + head + attention) / real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="alternate the two runs this many times")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    _, loss, views = bench_views(args.examples)
    student = bench_student()
    per_token = useful_flops_per_token(student, views)
    runs = {"baseline": [], "distillkit": []}
    peaks = []
    for _ in range(args.rounds):
        peaks.append(matmul_peak_gflops())
        for name, fn in (("baseline", baseline), ("distillkit", distillkit)):
            runs[name].append(fn(loss, views, batch_size=args.batch_size, steps=args.steps, warmup=args.warmup))
    peak = max(peaks)
    best = {name: max(r, key=lambda x: x["tokens_per_s"]) for name, r in runs.items()}
    report = {
        "threads": args.threads, "examples": args.examples, "batch_size_examples": args.batch_size,
        "views_per_example": 3, "measured_steps": args.steps, "params": param_counts(student.model),
        "matmul_peak_gflops": round(peak, 1), "useful_mflop_per_token": round(per_token / 1e6, 1),
        "runs": {name: [{k: round(v, 3) for k, v in r.items()} for r in rs] for name, rs in runs.items()},
        "best_tokens_per_s": {name: round(r["tokens_per_s"], 1) for name, r in best.items()},
        "speedup": round(best["distillkit"]["tokens_per_s"] / best["baseline"]["tokens_per_s"], 2),
        "fraction_of_matmul_peak": {name: round(r["tokens_per_s"] * per_token / 1e9 / peak, 3)
                                    for name, r in best.items()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
