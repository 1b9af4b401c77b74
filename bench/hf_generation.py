"""Batched vs one-at-a-time generation with the local ``hf`` teacher on CPU.

The same model and prompts, greedy, ``max_new_tokens`` each: once with batch_size 16 (left
padding, prompts sorted by length, KV cache) and once one prompt at a time. Throughput counts
generated tokens (up to and including the end token). Default model: the ~28M-parameter llama
of the training bench (random weights, so it rarely stops early); ``--smollm2`` uses the real
SmolLM2-135M-Instruct (chat template on, answers stop at their end token).

    nice -n 10 python bench/hf_generation.py [--prompts 32 --max-new-tokens 64 --batch-size 16] [--smollm2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import torch
from distillkit_plugins.hf.teacher import HFTeacher
from train_common import bench_student, bench_views

from distillkit.types import TeacherRequest


def timed(teacher: HFTeacher, requests: list[TeacherRequest], batch: int) -> dict:
    start, tokens, texts = time.perf_counter(), 0, []
    for i in range(0, len(requests), batch):
        out = teacher.generate_batch(requests[i:i + batch])
        tokens += sum(g.completion_tokens for g in out)
        texts += [g.text for g in out]
    seconds = time.perf_counter() - start
    return {"tokens": tokens, "seconds": round(seconds, 2), "tokens_per_s": round(tokens / seconds, 1)}, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--smollm2", action="store_true", help="use the real SmolLM2-135M-Instruct")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    _, _, views = bench_views(args.prompts)
    prompts = sorted({v.prompt for v in views if v.component == "answer"})[:args.prompts]
    with tempfile.TemporaryDirectory() as tmp:
        if args.smollm2:
            model = "builtin:smollm2-135m-instruct"
        else:
            bench_student().save(tmp)
            model = tmp
        teacher = HFTeacher(model=model, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size)
        teacher.setup()
        requests = [TeacherRequest(p, None) for p in prompts]
        timed(teacher, requests[:2], 2)  # warm-up
        batched, batched_texts = timed(teacher, requests, args.batch_size)
        single, single_texts = timed(teacher, requests, 1)
        teacher.close()
    same = sum(a == b for a, b in zip(batched_texts, single_texts))
    print(json.dumps({
        "model": "smollm2-135m-instruct" if args.smollm2 else "bench llama ~28M (random init)",
        "threads": args.threads, "prompts": len(prompts), "max_new_tokens": args.max_new_tokens,
        f"batch_{args.batch_size}": batched, "one_at_a_time": single,
        "speedup": round(batched["tokens_per_s"] / single["tokens_per_s"], 2),
        "identical_outputs": f"{same}/{len(prompts)}",
    }, indent=2))


if __name__ == "__main__":
    main()
