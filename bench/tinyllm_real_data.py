"""TinyLLM on real data: StrategyQA (BIG-bench, human explanations, yes/no answers) with a pretrained
student, answer-only vs distilling step-by-step vs TinyLLM, several seeds each.

Setups (same train/validation/test items, same steps, same student; only the views change):
  answer_only    fine-tune on question -> answer (no teacher)
  step_by_step   distilling step-by-step: answer + the rationale of one teacher, the real LLM
                 (SmolLM2-135M-Instruct, local `hf` backend, teacher-forcing chain of thought)
  tinyllm        TinyLLM with two teachers: + StrategyQA's own human explanations (`dataset` teacher)

Student: 4 layers cut from SmolLM2-135M-Instruct (layers 0, 9, 19, 29), as configs/tinyllm/quickstart.yaml.
Every run shares one teacher cache, so SmolLM2 explains each training question once; the seed
changes the data order only (the cut student starts from the same weights). The first run also
scores the student before training, one step-by-step run scores SmolLM2 answering the test items
on its own (chain of thought, no gold answer).

    nice -n 10 .venv/bin/python bench/tinyllm_real_data.py \
        --results bench/RESULTS-tinyllm-real-data.md --plot bench/tinyllm_real_data.png   # ~30 min of 1 core

Writes bench/tinyllm_real_data.json (every run, with per-item hits, rewritten after each run) and
prints the tables (--results: also into that file; the prose around them is written by hand).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
SMOLLM2 = "builtin:smollm2-135m-instruct"

SETUPS = {"answer_only": [], "step_by_step": ["smollm2"], "tinyllm": ["smollm2", "gold"]}
LABELS = {"answer_only": "answer-only fine-tuning", "step_by_step": "distilling step-by-step (SmolLM2)",
          "tinyllm": "TinyLLM, 2 teachers (SmolLM2 + human explanations)"}
PREFIX = {"smollm2": "explain: ", "gold": "rationale: "}
PAIRS = [("tinyllm", "answer_only"), ("step_by_step", "answer_only"), ("tinyllm", "step_by_step")]


def teachers(args: argparse.Namespace) -> dict[str, dict]:
    return {
        "smollm2": {"id": "smollm2", "type": "hf", "model": SMOLLM2, "max_new_tokens": args.teacher_tokens,
                    "batch_size": 16, "strategy": {"type": "teacher_forcing_cot", "k": args.k}},
        # the task's own `rationale` field: StrategyQA's human explanation, taken as it is
        "gold": {"id": "gold", "type": "dataset", "strategy": {"type": "teacher_forcing_cot", "k": 0}},
    }


def pipeline(setup: str, seed: int, args: argparse.Namespace, *, baseline: bool,
             score_teachers: bool) -> dict:
    names = SETUPS[setup]
    views = [{"teacher": n, "prefix": PREFIX[n]} for n in names]
    loss = {"type": "multitask_rationale", "rationales": views} if names else {"type": "answer_only"}
    return {
        # the pipeline seed also picks SmolLM2's in-context examples: keep it fixed so every run asks the
        # same prompts (one shared cache); the seed of the comparison is the trainer's (data order)
        "name": f"sqa-{setup}-{seed}", "seed": 0,
        "output_dir": str(Path(args.runs) / f"{setup}-{seed}"),
        "task": {"type": "strategyqa", "seed": 0, "max_train_rows": args.train,
                 "max_validation_rows": args.validation, "max_test_rows": args.test},
        "teachers": [teachers(args)[n] for n in names],
        "filters": [{"type": "non_empty"}],
        "student": {"type": "hf", "init_from": SMOLLM2, "keep_layers": [0, 9, 19, 29],
                    "max_length": args.max_length, "generation_batch_size": 50},
        "loss": loss,
        "trainer": {"type": "accelerate", "seed": seed, "learning_rate": args.lr, "lr_scheduler": "cosine",
                    "max_steps": args.steps, "batch_size": args.batch_size,
                    "warmup_steps": args.steps // 10,
                    "eval_every": args.steps // 3, "save_every": None, "progress": False},
        "evaluation": {"max_new_tokens": 4, "batch_size": 50, "baseline": baseline,
                       "teachers": score_teachers},
        "cache": {"path": str(Path(args.runs) / "teacher_cache.sqlite")},
    }


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_one(cfg: dict, registry) -> dict:
    """Run one pipeline; returns its test accuracy, per-item hits and costs."""
    from distillkit.config.load import load_pipeline
    from distillkit.run.evaluation import predict
    from distillkit.run.runner import run_pipeline

    shutil.rmtree(cfg["output_dir"], ignore_errors=True)  # a fresh run; the shared teacher cache is kept
    wall, cpu, load = time.time(), cpu_seconds(), os.getloadavg()[0]
    p = load_pipeline(None, registry, text=yaml.safe_dump(cfg))
    run_pipeline(p, registry)
    out = Path(cfg["output_dir"])
    m = json.loads((out / "metrics.json").read_text())
    test = m["final"]["test"]
    # per-item hits of the final student (for paired comparisons), checked against the run's own score
    items = p.task.load().test
    texts = predict(p.student, p.loss, p.task, items, max_new_tokens=4, batch_size=50)
    fmt = p.task.answer_format
    preds = [fmt.extract(t, e) for t, e in zip(texts, items)]
    hits = [bool(fmt.is_correct(x, e)) for x, e in zip(preds, items)]
    if sum(hits) != round(test["accuracy"] * test["n"]):
        raise SystemExit(f"{cfg['name']}: re-scored {sum(hits)}/{len(hits)} != the run's {test}")
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines() if line.strip()]
    start = {}
    annotation = []  # per teacher: the training annotation, then (when scored) the test-set answers
    for e in events:
        if e["event"] == "annotation_start":
            start[e["teacher_id"]] = e["time"]
        elif e["event"] == "annotation_end" and e.get("teacher_id") in start:
            keys = ("items", "calls", "cache_hits", "ok", "parse_errors")
            seconds = round(e["time"] - start[e["teacher_id"]], 1)
            annotation.append({"teacher": e["teacher_id"], "wall_s": seconds, **{k: e.get(k) for k in keys}})
    rnd = m["rounds"][0]
    return {"name": cfg["name"], "test_accuracy": test["accuracy"], "test_n": test["n"],
            "test_correct": sum(hits), "test_ci": test.get("accuracy_ci"), "hits": hits,
            "predicted_yes": sum(x == "yes" for x in preds) / len(preds),
            "validation_accuracy": rnd.get("validation", {}).get("accuracy"),
            "annotation": annotation, "views": rnd.get("views_by_component"),
            "views_skipped": rnd.get("views_skipped"),
            "baseline_test": _strip(m.get("baseline_test")), "teachers_test": m.get("teachers_test"),
            "wall_s": round(time.time() - wall, 1), "cpu_s": round(cpu_seconds() - cpu, 1),
            "load_1min_before": round(load, 2), "load_1min_after": round(os.getloadavg()[0], 2)}


def _strip(result: dict | None) -> dict | None:
    return None if result is None else {k: v for k, v in result.items() if k != "samples"}


def item_bootstrap(a: list[list[bool]], b: list[list[bool]] | None = None,
                   samples: int = 2000) -> tuple[float, float]:
    """95% interval of the mean over seeds of acc(a) (or of acc(a) - acc(b): paired, same items),
    resampling the test items (every seed answers the same items, so they are not pooled as independent)."""
    rng, n = random.Random(0), len(a[0])
    b = b or [[False] * n for _ in a]
    diffs = []
    for _ in range(samples):
        idx = rng.choices(range(n), k=n)
        diffs.append(statistics.mean(sum(x[i] for i in idx) / n - sum(y[i] for i in idx) / n
                                     for x, y in zip(a, b)))
    diffs.sort()
    return diffs[int(0.025 * samples)], diffs[int(0.975 * samples) - 1]


def report(data: dict) -> list[str]:
    runs, args = data["runs"], data["args"]
    by = {s: sorted((r for r in runs if r["setup"] == s), key=lambda r: r["seed"]) for s in args["setups"]}
    lines = [("| setup | teachers | test accuracy, mean over seeds (95% CI, item bootstrap) "
              "| per seed (95% Wilson CI) | std over seeds | says 'yes' | wall s / CPU s per run |"),
             "|---|---|---|---|---|---|---|"]
    for s, rs in by.items():
        if not rs:
            continue
        lo, hi = item_bootstrap([r["hits"] for r in rs])
        per = ", ".join(f"{r['test_accuracy']:.3f} [{r['test_ci'][0]:.2f}, {r['test_ci'][1]:.2f}]"
                        for r in rs)
        accs = [r["test_accuracy"] for r in rs]
        std = statistics.stdev(accs) if len(accs) > 1 else 0.0
        yes = ", ".join(f"{r['predicted_yes']:.2f}" for r in rs)
        lines.append(f"| {LABELS[s]} | {', '.join(SETUPS[s]) or '-'} "
                     f"| {statistics.mean(accs):.3f} [{lo:.3f}, {hi:.3f}] | {per} | {std:.3f} | {yes} "
                     f"| {statistics.mean(r['wall_s'] for r in rs):.0f} / "
                     f"{statistics.mean(r['cpu_s'] for r in rs):.0f} |")
    lines += ["", "Paired differences (same seed, same test items):", "",
              "| difference | per seed | mean | 95% paired bootstrap over test items |", "|---|---|---|---|"]
    for a, b in PAIRS:
        if not by.get(a) or not by.get(b) or len(by[a]) != len(by[b]):
            continue
        d = [x["test_accuracy"] - y["test_accuracy"] for x, y in zip(by[a], by[b])]
        lo, hi = item_bootstrap([r["hits"] for r in by[a]], [r["hits"] for r in by[b]])
        lines.append(f"| {a} - {b} | {', '.join(f'{x:+.3f}' for x in d)} | {statistics.mean(d):+.3f} "
                     f"| [{lo:+.3f}, {hi:+.3f}] |")
    extra = [("student before training (the 4-layer cut)", r["baseline_test"]) for r in runs
             if r.get("baseline_test")]
    extra += [(f"teacher {t} answering on its own ({v.get('strategy')})", v) for r in runs
              for t, v in (r.get("teachers_test") or {}).items() if "accuracy" in v]
    if extra:
        lines += ["", "| reference on the same test items | accuracy (95% Wilson CI) | no answer |",
                  "|---|---|---|"]
        lines += [f"| {name} | {v['accuracy']:.3f} [{v['accuracy_ci'][0]:.3f}, {v['accuracy_ci'][1]:.3f}] "
                  f"| {v.get('no_answer')} / {v['n']} |" for name, v in extra]
        majority = data["majority"]
        lines.append(f"| always 'no' / always 'yes' | {majority['no']:.3f} / {majority['yes']:.3f} | - |")
    return lines


def plot(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for i, s in enumerate(data["args"]["setups"]):
        rs = [r for r in data["runs"] if r["setup"] == s]
        for j, r in enumerate(rs):
            lo, hi = r["test_ci"]
            x = i + (j - (len(rs) - 1) / 2) * 0.12
            ax.errorbar(x, r["test_accuracy"], yerr=[[r["test_accuracy"] - lo], [hi - r["test_accuracy"]]],
                        fmt="o", color=f"C{i}", capsize=3)
        if rs:
            lo, hi = item_bootstrap([r["hits"] for r in rs])
            ax.fill_between([i - 0.3, i + 0.3], lo, hi, color=f"C{i}", alpha=0.15)
            ax.hlines(statistics.mean(r["test_accuracy"] for r in rs), i - 0.3, i + 0.3, color=f"C{i}")
    ax.axhline(0.5, color="grey", ls=":", lw=1, label="chance (balanced yes/no)")
    ax.set_xticks(range(len(data["args"]["setups"])),
                  [LABELS[s].replace(", ", ",\n", 1).replace(" (", "\n(") for s in data["args"]["setups"]],
                  fontsize=8)
    ax.set_ylabel("test accuracy")
    ax.set_title(f"StrategyQA, 4-layer SmolLM2 student, n={data['runs'][0]['test_n']} test items\n"
                 "dots: seeds 0, 1, 2 left to right, 95% Wilson CI; "
                 "line and band: mean over seeds, 95% item bootstrap",
                 fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--setups", nargs="+", default=list(SETUPS), choices=list(SETUPS))
    ap.add_argument("--train", type=int, default=200)
    ap.add_argument("--validation", type=int, default=40)
    ap.add_argument("--test", type=int, default=150)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--k", type=int, default=1, help="in-context examples in SmolLM2's prompt (gold ones)")
    ap.add_argument("--teacher-tokens", type=int, default=64)
    ap.add_argument("--score-teacher", action=argparse.BooleanOptionalAction, default=True,
                    help="score SmolLM2 answering the test items on its own (once)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", default="runs/bench-tinyllm-real-data", help="run folders and the shared cache")
    ap.add_argument("--out", default="bench/tinyllm_real_data.json")
    ap.add_argument("--results", default=None, help="Markdown table (default: only printed)")
    ap.add_argument("--plot", default=None)
    ap.add_argument("--from-json", action="store_true", help="only rewrite the tables and plot from --out")
    args = ap.parse_args(argv)
    if args.from_json:
        data = json.loads(Path(args.out).read_text())
        return _write(data, args)

    import torch

    from distillkit.registry import build_registry

    torch.set_num_threads(args.threads)
    registry = build_registry()
    test = registry.create("task", "strategyqa", seed=0, max_test_rows=args.test).load().test
    majority = {a: sum(e.answer == a for e in test) / len(test) for a in ("yes", "no")}
    start, cpu0, load0 = time.time(), cpu_seconds(), os.getloadavg()
    runs: list[dict] = []
    data = {"args": vars(args), "command": " ".join(sys.argv), "majority": majority, "runs": runs,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, torch threads {args.threads}",
            "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(start))}
    teacher_scored = not args.score_teacher
    for seed in args.seeds:
        for setup in args.setups:
            score_teachers = not teacher_scored and setup == "step_by_step"
            cfg = pipeline(setup, seed, args, baseline=not runs, score_teachers=score_teachers)
            teacher_scored |= score_teachers
            r = {"setup": setup, "seed": seed, **run_one(cfg, registry)}
            runs.append(r)
            print(f"{setup} seed={seed}: test {r['test_accuracy']:.3f} ({r['wall_s']:.0f} s wall, "
                  f"{r['cpu_s']:.0f} s CPU, annotation {r['annotation']})", flush=True)
            data.update(wall_s=round(time.time() - start, 1), cpu_s=round(cpu_seconds() - cpu0, 1),
                        load_before=load0, load_after=os.getloadavg())
            Path(args.out).write_text(json.dumps(data, indent=1))  # after every run: partial results survive
    return _write(data, args)


def _write(data: dict, args: argparse.Namespace) -> int:
    lines = report(data)
    print("\n".join(lines))
    if args.plot:
        plot(data, Path(args.plot))
    if args.results:
        Path(args.results).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
