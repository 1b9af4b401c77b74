"""Seq2seq training speed and memory: distillkit's trainer vs the TinyLLM reference code's step, side by side.

The reference step is reproduced exactly as the authors' code does it (their repository, run in its
own venv, is the other way; this bench needs neither their code nor old transformers):
three forward passes per step (``predict:`` -> answer, ``explain:`` -> teacher 1's rationale,
``rationale:`` -> teacher 2's), each over its own batch with inputs padded to 100 tokens
(``padding="max_length"``, truncated there), targets cut at 256 tokens and padded to the longest
in the batch with -100, the model's own loss (token mean over the batch), the three losses summed
(gamma = alpha = 1), and AdamW with the Hugging Face Trainer's defaults (lr 5e-5, betas 0.9/0.999,
eps 1e-8, no weight decay). distillkit's side is its ``accelerate`` trainer on the same views with
the ``multitask_rationale`` loss.

The student is a randomly initialised Flan-T5-shaped model (gated-gelu, untied head, vocabulary
8,000): ``small`` = d_model 256, d_ff 1024, 4+4 layers, 4 heads (13.5M parameters); ``base`` =
d_model 512, d_ff 2048, 6+6 layers, 8 heads (64.8M). Data: a STAND-IN for the authors' OBQA
rationales (synthetic multi-step arithmetic, 1 answer + 2 rationale views per example, the
built-in ``words`` tokenizer, one token per word or number: answers ~5 tokens, rationales ~40-110),
labelled as such in the output.

Each side runs in its own process (so peak RSS is its own), in interleaved pairs. Throughput is
real (non-pad) prompt + target tokens per second over the measured steps, of wall time and of the
process's CPU time (with one thread per side, CPU time is what other load on a shared machine
changes least; wall-time ratios are the headline, CPU-time ratios the check).

    python bench/tinyllm_reference_step.py [--model small|base] [--pairs 2] [--steps 8] [--warmup 2]
        [--precision fp32|bf16] [--threads 2]
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
from typing import Any

MODELS: dict[str, dict[str, Any]] = {
    "small": {
        "d_model": 256,
        "d_ff": 1024,
        "num_layers": 4,
        "num_decoder_layers": 4,
        "num_heads": 4,
        "d_kv": 64,
    },
    "base": {
        "d_model": 512,
        "d_ff": 2048,
        "num_layers": 6,
        "num_decoder_layers": 6,
        "num_heads": 8,
        "d_kv": 64,
    },
}
T5_COMMON = {
    "model_type": "t5",
    "vocab_size": 8000,
    "feed_forward_proj": "gated-gelu",
    "tie_word_embeddings": False,
    "decoder_start_token_id": 0,
    "dropout_rate": 0.0,
}
INPUT_LEN, TARGET_LEN, LR = 100, 256, 5e-5


def _student(model: str):
    from distillkit_plugins.hf.student import HFStudent

    student = HFStudent(config={**T5_COMMON, **MODELS[model]}, tokenizer="words", max_length=TARGET_LEN)
    student.load()
    return student


def _views(examples: int):
    from distillkit_plugins.training.toy import toy_views

    _, loss, _, views = toy_views(examples, min_steps=3, max_steps=8)
    return loss, views


def reference(model: str, examples: int, batch: int, steps: int, warmup: int, precision: str) -> dict:
    """The reference step on ``batch`` examples: three padded forwards, the model's own loss, one backward."""
    import torch
    from distillkit_plugins.training.encode import encode_views
    from distillkit_plugins.training.peak_rss import PeakRSS

    _, views = _views(examples)
    student = _student(model)
    data = encode_views(student, views, TARGET_LEN)
    net, pad = student.model.train(), student.tokenizer.pad_token_id
    opt = torch.optim.AdamW(net.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    groups = data.groups
    tokens = seconds = cpu_seconds = 0.0
    with PeakRSS() as rss:
        for step in range(warmup + steps):
            chosen = [groups[(step * batch + i) % len(groups)] for i in range(batch)]
            start, cpu_start = time.perf_counter(), time.process_time()
            total = 0.0
            for c in range(len(data.components)):
                vs = [data.views[v] for g in chosen for v in g if data.views[v].component == c]
                ids = torch.full((len(vs), INPUT_LEN), pad)
                mask = torch.zeros((len(vs), INPUT_LEN), dtype=torch.long)
                width = max(min(len(v.target), TARGET_LEN) for v in vs)
                labels = torch.full((len(vs), width), -100)
                for i, v in enumerate(vs):
                    prompt = v.prompt[:INPUT_LEN]
                    ids[i, : len(prompt)] = torch.tensor(prompt)
                    mask[i, : len(prompt)] = 1
                    target = v.target[:TARGET_LEN]
                    labels[i, : len(target)] = torch.tensor(target)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                    total = total + net(input_ids=ids, attention_mask=mask, labels=labels).loss
            total.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            if step >= warmup:
                seconds += time.perf_counter() - start
                cpu_seconds += time.process_time() - cpu_start
                tokens += sum(
                    min(len(data.views[v].prompt), INPUT_LEN) + min(len(data.views[v].target), TARGET_LEN)
                    for g in chosen
                    for v in g
                )
    return {
        "tokens_per_s": tokens / seconds,
        "tokens_per_cpu_s": tokens / cpu_seconds,
        "s_per_step": seconds / steps,
        "peak_rss_mb": round(rss.peak_mb),
        "last_loss": round(float(total), 3),
    }


def distillkit(model: str, examples: int, batch: int, steps: int, warmup: int, precision: str) -> dict:
    from distillkit_plugins.training.trainer import AccelerateTrainer

    from distillkit.components import TrainJob

    loss, views = _views(examples)
    student = _student(model)
    trainer = AccelerateTrainer(
        max_steps=warmup + steps,
        batch_size=batch,
        learning_rate=LR,
        log_every=1,
        save_every=None,
        progress=False,
        warmup_steps=0,
        max_grad_norm=None,
        weight_decay=0.0,
        mixed_precision="bf16" if precision == "bf16" else "no",
    )
    cpu_marks: list[float] = []  # process CPU time at every log row (row 0 is written before step 1)
    with tempfile.TemporaryDirectory() as tmp:
        result = trainer.train(
            TrainJob(
                student=student,
                loss=loss,
                views=views,
                evaluate=lambda: {"x": 0.0},
                out_dir=Path(tmp),
                select_metric=None,
                emit=lambda event, row: cpu_marks.append(time.process_time()),
            )
        )
    rows = [r for r in result.history if "tokens_per_s" in r][warmup:]
    tokens = sum(r["tokens"] for r in rows)
    seconds = sum(r["tokens"] / r["tokens_per_s"] for r in rows)
    cpu_seconds = cpu_marks[warmup + steps] - cpu_marks[warmup]
    return {
        "tokens_per_s": tokens / seconds,
        "tokens_per_cpu_s": tokens / cpu_seconds,
        "s_per_step": seconds / len(rows),
        "peak_rss_mb": result.peak_rss_mb,
        "last_loss": round(rows[-1].get("loss", float("nan")), 3),
    }


SIDES = {"reference": reference, "distillkit": distillkit}


def _one(side: str, args: argparse.Namespace) -> dict:
    """Run one side in a fresh process and return its JSON line."""
    cmd = [
        sys.executable,
        __file__,
        "--side",
        side,
        "--model",
        args.model,
        "--examples",
        str(args.examples),
        "--batch-size",
        str(args.batch_size),
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
        "--precision",
        args.precision,
        "--threads",
        str(args.threads),
    ]
    out = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="small")
    parser.add_argument("--examples", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=2, help="interleaved (reference, distillkit) pairs")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--side", choices=sorted(SIDES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.side:
        torch.manual_seed(0)
        result = SIDES[args.side](
            args.model, args.examples, args.batch_size, args.steps, args.warmup, args.precision
        )
        print(json.dumps(result))
        return
    runs: dict[str, list[dict]] = {"reference": [], "distillkit": []}
    for _ in range(args.pairs):
        for side in ("reference", "distillkit"):
            runs[side].append(_one(side, args))
    ratios = [d["tokens_per_s"] / r["tokens_per_s"] for r, d in zip(runs["reference"], runs["distillkit"])]
    report = {
        "data": "STAND-IN: synthetic arithmetic, 1 answer + 2 rationale views (not the authors' OBQA files)",
        "model": args.model,
        "params": MODELS[args.model],
        "precision": args.precision,
        "threads": args.threads,
        "batch_size_examples": args.batch_size,
        "measured_steps": args.steps,
        "load_average": os.getloadavg(),
        "runs": runs,
        "speedup_per_pair": [round(x, 2) for x in ratios],
        # tokens per process CPU-second: what a neighbour's load changes least (1 thread per side)
        "cpu_speedup_per_pair": [
            round(d["tokens_per_cpu_s"] / r["tokens_per_cpu_s"], 2)
            for r, d in zip(runs["reference"], runs["distillkit"])
        ],
        "rss_ratio_per_pair": [
            round(d["peak_rss_mb"] / r["peak_rss_mb"], 2)
            for r, d in zip(runs["reference"], runs["distillkit"])
        ],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
