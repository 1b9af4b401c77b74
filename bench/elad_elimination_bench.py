"""ELAD on synthetic elimination puzzles (meaningful early answers, unlabeled pool) against its baselines
and ablations, at equal example budgets, several seeds; costs in teacher tokens too.

Every condition is ``configs/elad/elimination_cpu.yaml`` with one change (selector, lambda, or the
annotation strategy); a seed changes the data, the student's initialisation, the teacher's slips and
misjudgements and the selection randomness. Runs go seed by seed (every condition at seed 0 first), so
an interrupted bench leaves comparable runs; finished runs are reused. Writes
``bench/elad_elimination.json`` (per run: validation accuracy and teacher tokens after every round,
final test accuracy, annotation kinds, u_intra of what ELAD scored, wall and CPU seconds), then
``elad_elimination_report.py`` writes ``bench/RESULTS-elad.md`` and ``bench/elad_elimination.png``.

    OMP_NUM_THREADS=1 nice -n 10 python bench/elad_elimination_bench.py --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from elad_budget_curves import pool_gold

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "elad" / "elimination_cpu.yaml"
SAMPLED = "num_samples: 4, temperature: 1.0, max_pool: 90, max_new_tokens: 56"
CONDITIONS: dict[str, list[str]] = {
    "random": ["selector={type: random}"],
    "elad": [],  # lambda 0.5
    "elad_intra_only": ["selector.lam=1.0"],
    "elad_inter_only": ["selector.lam=0.0"],
    "answer_entropy": [f"selector={{type: answer_entropy, {SAMPLED}}}"],
    "self_consistency": [f"selector={{type: self_consistency, {SAMPLED}}}"],
    "least_confidence": ["selector={type: least_confidence, max_pool: 90, max_new_tokens: 56}"],
    "elad_full_rationale": ["teachers[0].strategy={type: cot}"],
}


def run_condition(name: str, seed: int, runs: Path, extra: list[str] = ()) -> Path:
    """Run (or reuse) one condition at one seed; its folder holds bench_time.json."""
    from distillkit.config.load import load_pipeline
    from distillkit.registry import build_registry
    from distillkit.run.runner import run_pipeline

    out = runs / f"{name}-seed{seed}"
    done = out / "bench_time.json"
    if done.is_file():
        return out
    overrides = [*CONDITIONS[name], f"seed={seed}", f"task.seed={seed}", f"student.init_seed={seed}",
                 f"teachers[0].seed={seed}", f"output_dir={out}", f"name=elad-elim-{name}", *extra]
    registry = build_registry()
    pipeline = load_pipeline(CONFIG, registry, overrides)
    wall, cpu = time.monotonic(), time.process_time()
    run_pipeline(pipeline, registry, config_path=str(CONFIG))
    done.write_text(json.dumps({"wall_s": time.monotonic() - wall, "cpu_s": time.process_time() - cpu,
                                "load_avg": os.getloadavg()}))
    return out


def llm_tokens(out: Path, n_rounds: int, tokenizer: Any) -> list[int]:
    """Teacher tokens after each round as an LLM teacher would count them: SmolLM2's tokenizer over
    every cached call's prompt and reply text (no chat template). A pool item is annotated once, in
    the round that selected it, so each call is attributed through its example id."""
    import sqlite3

    round_of = {json.loads(line)["id"]: r for r in range(n_rounds)
                for line in (out / "rounds" / f"{r:02d}" / "selected.jsonl").read_text().splitlines() if line}
    per_round = [0] * n_rounds
    with sqlite3.connect(out / "teacher_cache.sqlite") as db:
        for example_id, prompt, raw in db.execute("SELECT example_id, prompt, raw FROM answers"):
            ids = tokenizer([prompt, raw], add_special_tokens=False)["input_ids"]
            per_round[round_of[example_id]] += len(ids[0]) + len(ids[1])
    return [sum(per_round[:r + 1]) for r in range(n_rounds)]


def record(name: str, seed: int, out: Path, gold: dict[str, str], tokenizer: Any) -> dict[str, Any]:
    from distillkit_plugins.elad.report import summarize_run

    s = summarize_run(out)
    rounds = s["rounds"]
    answers = {i: a for r in rounds for i, a in r["annotation"]["answers"].items()}
    kinds: dict[str, int] = {}
    for r in rounds:
        for k, v in r["annotation"]["kinds"].items():
            kinds[k] = kinds.get(k, 0) + v
    intra = [[x["u_intra"] for x in r["selected"] if "u_intra" in x] for r in rounds]
    return {
        "condition": name, "seed": seed, "budgets": [r["labeled"] for r in rounds],
        "val": [r["accuracy"] for r in rounds],
        "tokens": [r["prompt_tokens"] + r["completion_tokens"] for r in rounds],
        "llm_tokens": llm_tokens(out, len(rounds), tokenizer),
        "prompt_tokens": rounds[-1]["prompt_tokens"], "completion_tokens": rounds[-1]["completion_tokens"],
        "final_test": s["final_test"], "teacher_calls": s["teacher_calls"], "kinds": kinds,
        "teacher_answer_correct": statistics.fmean(a == gold[i] for i, a in answers.items()) if answers
        else None,
        "teacher_steps_written": sum(r["annotation"]["teacher_steps_written"] for r in rounds),
        "student_steps_kept": sum(r["annotation"]["student_steps_kept"] for r in rounds),
        "u_intra_selected": intra, **json.loads((out / "bench_time.json").read_text()),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--conditions", nargs="+", default=list(CONDITIONS), choices=list(CONDITIONS))
    ap.add_argument("--runs", type=Path, default=ROOT / "runs" / "elad-elim-bench", help="Run folders.")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "elad_elimination.json")
    ap.add_argument("--rounds", type=int, default=None, help="rounds.count (config: 8)")
    ap.add_argument("--per-round", type=int, default=None, help="rounds.budget_per_round (config: 60)")
    ap.add_argument("--steps", type=int, default=None, help="trainer.max_steps per round (config: 50)")
    args = ap.parse_args(argv)
    chosen = (("rounds.count", args.rounds), ("rounds.budget_per_round", args.per_round),
              ("trainer.max_steps", args.steps))
    extra = [f"{key}={value}" for key, value in chosen if value is not None]
    import torch
    from distillkit_plugins.hf.smollm2 import smollm2_folder
    from transformers import AutoTokenizer

    torch.set_num_threads(1)
    tokenizer = AutoTokenizer.from_pretrained(smollm2_folder())
    args.runs.mkdir(parents=True, exist_ok=True)
    records = []
    for seed in args.seeds:
        gold = pool_gold(CONFIG, seed)
        for name in args.conditions:
            out = run_condition(name, seed, args.runs, extra)
            records.append(record(name, seed, out, gold, tokenizer))
            print(f"{name} seed {seed}: val {records[-1]['val'][-1]:.3f}, {records[-1]['cpu_s']:.0f} CPU-s",
                  flush=True)
            command = ["python", "bench/elad_elimination_bench.py", *(argv or sys.argv[1:])]
            data = {"command": " ".join(command),
                    "config": str(CONFIG.relative_to(ROOT)), "overrides": extra, "seeds": args.seeds,
                    "runs": records}
            args.out.write_text(json.dumps(data, indent=1) + "\n")  # after every run: partial results survive


if __name__ == "__main__":
    main()
