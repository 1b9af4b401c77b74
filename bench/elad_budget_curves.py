"""ELAD against its baselines at equal teacher budgets, over several seeds, on the synthetic task.

Every condition is ``configs/elad/synthetic_cpu.yaml`` with one change (the selector, or the
annotation strategy); every seed changes the data, the student's initialisation, the
teacher's slips and the selection randomness. Writes:

- ``bench/elad_budget_curves.json``: per condition the mean/std validation accuracy at each
  budget, final test accuracy, teacher-written vs student-kept steps, annotation correctness,
  wall time, and the budget ELAD needs to reach random selection's final accuracy;
- ``bench/elad_budget_curves.png``: accuracy against budget, one line per condition;
- ``bench/RESULTS-elad-arithmetic.md``: the tables, with this command (the current ELAD comparison
  is ``elad_elimination_bench.py``).

    nice -n 10 python bench/elad_budget_curves.py --seeds 0 1 2 3 4   # ~20 min on 2 free cores
    python bench/elad_budget_curves.py --seeds 0 --conditions elad random   # a quick look

Finished runs are reused (their folders under --runs hold their state), so an interrupted
bench resumes where it stopped.
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

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "elad" / "synthetic_cpu.yaml"
SAMPLED = "num_samples: 4, temperature: 1.0, max_pool: 300, max_new_tokens: 40"
CONDITIONS: dict[str, list[str]] = {
    "elad": [],
    "random": ["selector={type: random}"],
    "elad_full_rationale": ["teachers[0].strategy={type: cot}"],
    "answer_entropy": [f"selector={{type: answer_entropy, {SAMPLED}}}"],
    "self_consistency": [f"selector={{type: self_consistency, {SAMPLED}}}"],
    "least_confidence": ["selector={type: least_confidence, max_pool: 300, max_new_tokens: 40}"],
    "elad_intra_only": ["selector.lam=1.0"],
    "elad_full_pool": ["selector.max_pool=null"],
}
DEFAULT = [c for c in CONDITIONS if c != "elad_full_pool"]


def run_condition(name: str, seed: int, runs: Path) -> tuple[Path, float]:
    """Run (or reuse) one condition at one seed; returns its folder and wall seconds."""
    from distillkit.config.load import load_pipeline
    from distillkit.registry import build_registry
    from distillkit.run.runner import run_pipeline

    out = runs / f"{name}-seed{seed}"
    done = out / "state.json"
    if done.is_file() and (json.loads(done.read_text()).get("final") is not None):
        return out, json.loads((out / "bench_time.json").read_text())["wall_s"]
    overrides = [*CONDITIONS[name], f"seed={seed}", f"task.seed={seed}", f"student.init_seed={seed}",
                 f"teachers[0].seed={seed}", f"output_dir={out}", f"name=elad-bench-{name}",
                 "evaluation.baseline=false"]
    registry = build_registry()
    pipeline = load_pipeline(CONFIG, registry, overrides)
    start = time.monotonic()
    run_pipeline(pipeline, registry, config_path=str(CONFIG))
    wall = time.monotonic() - start
    (out / "bench_time.json").write_text(json.dumps({"wall_s": wall}))
    return out, wall


def pool_gold(config: Path, seed: int) -> dict[str, str]:
    """The pool's gold answers, read here only to score the teacher's answers (never by the runs)."""
    from distillkit.config.load import load_pipeline
    from distillkit.registry import build_registry

    task = load_pipeline(config, build_registry(), [f"task.seed={seed}"]).task
    return {e.id: e.answer for e in task.load().train}


def _mean_std(values: list[float]) -> dict[str, float]:
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "n": len(values)}


def budget_to_reach(curve: list[dict[str, Any]], target: float) -> float | None:
    """Smallest budget where the mean curve reaches ``target`` (linear between rounds), or None."""
    prev = None
    for p in curve:
        if p["mean"] >= target:
            if prev is None or p["mean"] == prev["mean"]:
                return float(p["labeled"])
            frac = (target - prev["mean"]) / (p["mean"] - prev["mean"])
            return prev["labeled"] + frac * (p["labeled"] - prev["labeled"])
        prev = p
    return None


def _condition_stats(summaries: list[dict[str, Any]], walls: list[float], golds: dict[int, dict[str, str]]) -> dict:
    rounds = [r for s in summaries for r in s["rounds"]]
    answers = [(s["seed"], i, a) for s in summaries for r in s["rounds"] for i, a in r["annotation"]["answers"].items()]
    correct = sum(a is not None and a == golds[seed].get(i) for seed, i, a in answers)
    kinds: dict[str, int] = {}
    for r in rounds:
        for k, v in r["annotation"]["kinds"].items():
            kinds[k] = kinds.get(k, 0) + v
    return {
        "label": summaries[0]["label"], "final_test": _mean_std([s["final_test"] for s in summaries]),
        "wall_s": _mean_std(walls), "annotation_kinds": kinds,
        "annotation_answer_correct": correct / len(answers) if answers else None,
        "teacher_steps_written": sum(r["annotation"]["teacher_steps_written"] for r in rounds) / len(summaries),
        "student_steps_kept": sum(r["annotation"]["student_steps_kept"] for r in rounds) / len(summaries),
        "teacher_calls": statistics.fmean(s["teacher_calls"] for s in summaries),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--conditions", nargs="+", default=DEFAULT, choices=list(CONDITIONS),
                    help="elad_full_pool (ELAD scoring the whole pool, slow) runs only when named.")
    ap.add_argument("--runs", type=Path, default=ROOT / "runs" / "elad-bench", help="Folder of the runs.")
    ap.add_argument("--out", type=Path, default=ROOT / "bench", help="Folder of the results.")
    args = ap.parse_args(argv)
    from distillkit_plugins.elad.report import curves, plot_curves, summarize_run

    args.runs.mkdir(parents=True, exist_ok=True)
    golds = {seed: pool_gold(CONFIG, seed) for seed in args.seeds}
    results: dict[str, Any] = {}
    all_summaries: dict[str, list[dict[str, Any]]] = {}
    for name in args.conditions:
        summaries, walls = [], []
        for seed in args.seeds:
            out, wall = run_condition(name, seed, args.runs)
            print(f"{name} seed {seed}: {wall:.0f} s", flush=True)
            summaries.append(summarize_run(out))
            walls.append(wall)
        all_summaries[name] = summaries
        results[name] = _condition_stats(summaries, walls, golds)
    series = {name: curves([{**s, "label": name} for s in summaries])[name] for name, summaries in all_summaries.items()}
    for name, stats in results.items():
        stats["curve"] = series[name]
    if "random" in series and "elad" in series:
        target = series["random"][-1]["mean"]
        results["elad"]["budget_to_reach_random_final"] = {"random_final": target, "budget": budget_to_reach(
            series["elad"], target), "random_budget": series["random"][-1]["labeled"]}
    args.out.mkdir(parents=True, exist_ok=True)
    data = {"command": " ".join(["python", "bench/elad_budget_curves.py", *(argv or sys.argv[1:])]),
            "config": str(CONFIG.relative_to(ROOT)), "seeds": args.seeds, "conditions": results}
    (args.out / "elad_budget_curves.json").write_text(json.dumps(data, indent=2) + "\n")
    plot_curves(series, args.out / "elad_budget_curves.png",
                title=f"synthetic_arithmetic, tiny student, {len(args.seeds)} seeds (mean +- std)")
    from elad_results_table import write_results

    write_results(data, args.out / "RESULTS-elad-arithmetic.md")
    print(f"wrote {args.out / 'RESULTS-elad-arithmetic.md'}")


if __name__ == "__main__":
    main()
