"""TinyLLM replication on the controllable synthetic task: does learning rationales help, and do
more teachers help more? Same tiny student, same data, same steps; only the teachers change.

Setups (each over several seeds):
  answer_only      fine-tune on question -> answer (no teacher)
  step_by_step     distilling step-by-step: answer + 1 teacher's rationale (solver, 10% step errors)
  tinyllm_2        TinyLLM with 2 teachers: + the task's gold rationale served by the `dataset` teacher
  tinyllm_3_noisy  + a third, noisier teacher (solver with 40% step errors)

    python bench/tinyllm_replication.py --seeds 0 1 2 --out bench/tinyllm_replication.json

Writes the JSON of every run and prints a Markdown table (mean +- std of test accuracy over seeds;
the seed changes the student's initialisation and data order, the problems stay the same).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TEACHERS = {
    "solver": {"id": "solver", "type": "synthetic_solver", "error_rate": 0.1, "strategy": {"type": "teacher_forcing_cot"}},
    "gold": {"id": "gold", "type": "dataset", "strategy": {"type": "teacher_forcing_cot"}},
    "noisy": {"id": "noisy", "type": "synthetic_solver", "error_rate": 0.4, "strategy": {"type": "teacher_forcing_cot"}},
}
PREFIX = {"solver": "explain: ", "gold": "rationale: ", "noisy": "reason: "}
SETUPS = {"answer_only": [], "step_by_step": ["solver"], "tinyllm_2": ["solver", "gold"],
          "tinyllm_3_noisy": ["solver", "gold", "noisy"]}


def pipeline(setup: str, seed: int, out: Path, steps: int) -> dict:
    names = SETUPS[setup]
    loss = ({"type": "answer_only"} if not names else
            {"type": "multitask_rationale", "rationales": [{"teacher": n, "prefix": PREFIX[n]} for n in names]})
    return {
        "name": f"rep-{setup}-{seed}", "seed": seed, "output_dir": str(out),
        "task": {"type": "synthetic_arithmetic", "seed": 0, "train_size": 800, "validation_size": 100,
                 "test_size": 200, "min_steps": 2, "max_steps": 2, "max_value": 30, "operations": ["+", "-"]},
        "teachers": [TEACHERS[n] for n in names],
        "student": {"type": "hf", "init_seed": seed, "tokenizer": "words", "max_length": 96,
                    "generation_batch_size": 200,
                    "config": {"model_type": "llama", "hidden_size": 128, "intermediate_size": 256,
                               "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                               "max_position_embeddings": 128}},
        "loss": loss,
        "trainer": {"type": "accelerate", "learning_rate": 0.003, "max_steps": steps, "batch_size": 32,
                    "warmup_steps": 50, "eval_every": steps // 4, "save_every": None, "progress": False},
        "evaluation": {"max_new_tokens": 4, "batch_size": 200, "baseline": False},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--setups", nargs="+", default=list(SETUPS))
    ap.add_argument("--out", default="bench/tinyllm_replication.json")
    args = ap.parse_args()

    from distillkit.config.load import load_pipeline
    from distillkit.registry import build_registry
    from distillkit.run.runner import run_pipeline

    registry = build_registry()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for setup in args.setups:
            for seed in args.seeds:
                start = time.time()
                cfg = pipeline(setup, seed, Path(tmp) / f"{setup}-{seed}", args.steps)
                p = load_pipeline(None, registry, text=yaml.safe_dump(cfg))
                run_pipeline(p, registry)
                metrics = json.loads((p.output_dir / "metrics.json").read_text())
                acc, seconds = metrics["final"]["test"]["accuracy"], time.time() - start
                results.append({"setup": setup, "seed": seed, "test_accuracy": acc, "seconds": seconds})
                print(f"{setup} seed={seed}: test accuracy {acc:.3f} ({seconds:.0f} s)", flush=True)
    Path(args.out).write_text(json.dumps({"args": vars(args), "runs": results}, indent=2))
    print("\n| setup | teachers | test accuracy, mean +- std | per seed | wall s / run |\n|---|---|---|---|---|")
    for setup in args.setups:
        runs = [r for r in results if r["setup"] == setup]
        accs = [r["test_accuracy"] for r in runs]
        std = statistics.stdev(accs) if len(accs) > 1 else 0.0
        per_seed = ", ".join(f"{a:.3f}" for a in accs)
        wall = statistics.mean(r["seconds"] for r in runs)
        print(f"| {setup} | {', '.join(SETUPS[setup]) or '-'} | {statistics.mean(accs):.3f} +- {std:.3f} "
              f"| {per_seed} | {wall:.0f} |")

if __name__ == "__main__":
    main()
