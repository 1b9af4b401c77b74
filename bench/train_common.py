"""Shared set-up of the training benches: a ~28M-parameter llama student over the SmolLM2
tokenizer, and TinyLLM-shaped data (1 answer + 2 rationale views per example)."""

from __future__ import annotations

import time
from typing import Any

import torch

SMOLLM2 = "builtin:smollm2-135m-instruct"
# hidden 384, 6 layers, GQA 6/2 heads, vocab 49,152 (tied): 9.4M in the layers + 18.9M embedding
STUDENT_CONFIG: dict[str, Any] = {
    "model_type": "llama", "hidden_size": 384, "intermediate_size": 1024, "num_hidden_layers": 6,
    "num_attention_heads": 6, "num_key_value_heads": 2, "max_position_embeddings": 1024,
    "tie_word_embeddings": True,
}
# 3-8 arithmetic steps: answer views ~46 tokens, rationale views ~95-100 (max ~145), like TinyLLM's data
KNOBS = {"min_steps": 3, "max_steps": 8}


def bench_student() -> Any:
    from distillkit_plugins.hf.student import HFStudent

    student = HFStudent(config=STUDENT_CONFIG, tokenizer=SMOLLM2, max_length=256)
    student.load()
    return student


def bench_views(n: int) -> tuple[Any, Any, list]:
    from distillkit_plugins.training.toy import toy_views

    task, loss, _, views = toy_views(n, **KNOBS)
    return task, loss, views


def matmul_peak_gflops(sizes: tuple[int, ...] = (1024, 2048, 3072), reps: int = 6, rounds: int = 3,
                       dtype: torch.dtype = torch.float32, clock=time.perf_counter) -> float:
    """Best matmul rate of this machine right now (GFLOP/s) in ``dtype``, at torch's current thread count
    (``clock``: wall time, or ``time.process_time`` for the CPU time of this process).

    The best over several sizes and rounds, so a noisy neighbour makes the peak (and with it the
    reported fraction of peak) err on the conservative side only when it hits every round.
    """
    best = 0.0
    for n in sizes:
        a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
        a @ b
        for _ in range(rounds):
            t = clock()
            for _ in range(reps):
                a @ b
            best = max(best, 2 * n**3 * reps / (clock() - t) / 1e9)
    return best


def param_counts(model: Any) -> dict[str, int]:
    emb = model.get_input_embeddings().weight.numel()
    total = sum(p.numel() for p in model.parameters())
    return {"total": total, "embedding": emb, "non_embedding": total - emb}
