"""ELAD on real data: StrategyQA as an unlabeled pool, the 4-layer SmolLM2 student, `elad` against
`random` selection at equal example budgets, several seeds.

What runs (issue 15, "ELAD on a real dataset"):
  data     StrategyQA (task `strategyqa`, BIG-bench, offline loader, task seed 0): a seeded pool of
           --pool training questions, --validation validation and --test held-out test questions, the
           same items in every run (the tinyllm_real_data.py bench's 150 test questions by default).
  teacher  programmatic, from gold rationales: the `dataset` teacher serving each pool item's human
           explanation with its gold yes/no answer (a JSONL the bench writes from the task, read with
           `answer_column`). It is always right. The student trains on the teacher's stated answer
           (`cot_sft` `target_answer: teacher`, ELAD's default); the run never reads a pool item's gold.
  strategy `cot` (full rationales) in both arms: a `dataset` teacher serves fixed text and cannot revise
           (the annotation recorder reads a verbatim teacher's text as a finished rationale, whatever the
           prompt asked), so `teacher_revision` would only relabel full rationales as revisions.
  student  layers 0, 9, 19, 29 of SmolLM2-135M-Instruct, token embeddings frozen, `cot_sft`
           ("explanation\\nSo the answer is yes"), training continued from the last round's student.
  arms     `elad` (lambda 0.5, N sampled explanations, early answers after each sentence of the
           student's explanation: `step_splitter: sentences`, since a StrategyQA explanation is one line
           of several sentences) and `random`; same rounds, same examples per round.
  seeds    the pipeline seed (selector's randomness, the ELAD samples, the trainer's data order; the task
           seed stays 0, and the dataset teacher's text does not depend on any prompt).

Every round's student is scored on the test items by this bench (per-item hits; the run itself scores
only the first --validation test items at the end, which the bench checks against its own). Runs go seed
by seed, both arms of a seed first; finished runs are reused (each run folder keeps bench_record.json).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/elad_real_data.py --seeds 0 1 2 --jobs 2 \\
        --results bench/RESULTS-elad-real-data.md

Writes bench/elad_real_data.json (every run) and the tables (--results: the generated part of that file,
below the hand-written text above its "## Tables (generated)" line; --from-json: only the tables).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from distillkit_plugins.metrics.intervals import wilson_interval
from elad_stats import paired_bootstrap
from tinyllm_real_data import SMOLLM2, cpu_seconds, item_bootstrap

SELECTORS = ("elad", "random")
GENERATED = "## Tables (generated)"


def selector(name: str, args: argparse.Namespace) -> dict[str, Any]:
    if name == "random":
        return {"type": "random"}
    return {"type": "elad", "lam": 0.5, "num_samples": args.samples, "temperature": 1.0,
            "max_pool": args.max_pool, "max_new_tokens": args.explain_tokens, "step_splitter": "sentences",
            "answer_max_new_tokens": 4}


def task_spec(args: argparse.Namespace) -> dict[str, Any]:
    return {"type": "strategyqa", "seed": 0, "max_train_rows": args.pool,
            "max_validation_rows": args.validation, "max_test_rows": args.test}


def pipeline(sel: str, seed: int, args: argparse.Namespace, teacher_file: Path) -> dict[str, Any]:
    return {
        "name": f"elad-sqa-{sel}-{seed}", "seed": seed,
        "output_dir": str(Path(args.runs) / f"{sel}-seed{seed}"),
        "task": task_spec(args),
        "teachers": [{"id": "gold", "type": "dataset", "path": str(teacher_file), "answer_column": "answer",
                      "strategy": {"type": "cot"}}],
        "filters": [{"type": "non_empty"}],
        "selector": selector(sel, args),
        "student": {"type": "hf", "init_from": SMOLLM2, "keep_layers": [0, 9, 19, 29],
                    "freeze_embeddings": True, "max_length": args.max_length, "generation_batch_size": 64},
        "loss": {"type": "cot_sft", "target_answer": "teacher"},
        "trainer": {"type": "accelerate", "learning_rate": args.lr, "max_steps": args.steps,
                    "batch_size": args.batch_size, "warmup_steps": max(1, args.steps // 10),
                    "save_every": None, "progress": False},
        "rounds": {"count": args.rounds, "budget_per_round": args.budget, "retrain": "continue"},
        # the run scores the first `validation` test items at the end; the bench scores all of them per round
        "evaluation": {"max_new_tokens": args.eval_tokens, "batch_size": 50, "baseline": False,
                       "max_examples": args.validation},
    }


def write_teacher_file(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The programmatic teacher's answers: each pool item's human explanation and gold answer."""
    from distillkit.registry import build_registry

    spec = task_spec(args)
    splits = build_registry().create("task", spec.pop("type"), **spec).load()
    path = Path(args.runs) / "gold_rationales.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"example_id": e.id, "rationale": e.rationale, "answer": e.answer} for e in splits.train]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    test = splits.test
    data = {"pool": len(splits.train), "pool_yes": sum(e.answer == "yes" for e in splits.train) / len(rows),
            "test_yes": sum(e.answer == "yes" for e in test) / len(test), "test_n": len(test)}
    return path, data


def test_hits(p, items) -> tuple[list[bool], float]:
    """Per-item hits of the pipeline's current student on ``items`` (greedy, the loss's prompt)."""
    from distillkit.run.evaluation import predict

    texts = predict(p.student, p.loss, p.task, items, max_new_tokens=p.spec.evaluation.max_new_tokens,
                    batch_size=50)
    fmt = p.task.answer_format
    preds = [fmt.extract(t, e) for t, e in zip(texts, items)]
    hits = [bool(fmt.is_correct(x, e)) for x, e in zip(preds, items)]
    return hits, sum(x is None for x in preds) / len(items)


def run_one(sel: str, seed: int, args: argparse.Namespace, teacher_file: Path, baseline: bool) -> dict:
    """Run (or reuse) one arm at one seed; returns its record (also kept in the run folder)."""
    import torch
    from distillkit_plugins.elad.report import summarize_run

    from distillkit.config.load import load_pipeline
    from distillkit.registry import build_registry
    from distillkit.run.runner import run_pipeline

    torch.set_num_threads(args.threads)
    cfg = pipeline(sel, seed, args, teacher_file)
    out = Path(cfg["output_dir"])
    done = out / "bench_record.json"
    if done.is_file():
        return json.loads(done.read_text())
    import shutil

    shutil.rmtree(out, ignore_errors=True)  # a half-finished run starts over: its timings would be wrong
    registry = build_registry()
    p = load_pipeline(None, registry, text=yaml.safe_dump(cfg))
    wall, cpu, load0 = time.time(), cpu_seconds(), os.getloadavg()
    run_pipeline(p, registry)
    run_wall, run_cpu = time.time() - wall, cpu_seconds() - cpu
    metrics = json.loads((out / "metrics.json").read_text())
    items = p.task.load().test
    rounds = []
    tok = p.student.tokenizer
    served = {row["example_id"]: row for row in map(json.loads, teacher_file.read_text().splitlines())}
    pool = {e.id: e for e in p.task.load().train}
    summary = summarize_run(out)
    tokens = questions = 0
    for r, row in enumerate(summary["rounds"]):
        p.student.load(path=out / "rounds" / f"{r:02d}" / "student")
        hits, no_answer = test_hits(p, items)
        ids = [s["id"] for s in row["selected"]]
        # the teacher's annotation as the student trains on it (rationale + answer line), SmolLM2 tokens
        targets = [f"{served[i]['rationale']}\nSo the answer is {served[i]['answer']}" for i in ids]
        tokens += sum(len(x) for x in tok(targets)["input_ids"]) if ids else 0
        asked = [p.task.teacher_question(pool[i]) for i in ids]
        questions += sum(len(x) for x in tok(asked)["input_ids"]) if ids else 0
        u = [s.get("u_intra") for s in row["selected"] if s.get("u_intra") is not None]
        rounds.append({
            "round": r, "labeled": row["labeled"], "validation_accuracy": row["accuracy"],
            "test_correct": sum(hits), "test_accuracy": sum(hits) / len(hits), "test_no_answer": no_answer,
            "hits": hits, "served_tokens": tokens, "question_tokens": questions,
            "selected_yes": sum(served[i]["answer"] == "yes" for i in ids) / max(1, len(ids)),
            "u_intra_selected_mean": statistics.fmean(u) if u else None,
            "u_intra_selected_distinct": len({round(x, 4) for x in u}),
            "views": metrics["rounds"][r].get("views"),
            "views_skipped": metrics["rounds"][r].get("views_skipped"),
            "train_steps": metrics["rounds"][r].get("train", {}).get("steps"),
        })
    final = metrics["final"]["test"]
    first = round(final["accuracy"] * final["n"])
    if sum(rounds[-1]["hits"][:final["n"]]) != first:
        raise SystemExit(f"{cfg['name']}: re-scored {sum(rounds[-1]['hits'][:final['n']])} of the first "
                         f"{final['n']} test items != the run's {first}")
    before = None
    if baseline:  # the cut student before any training, on the same test items
        p.student.load()
        hits, no_answer = test_hits(p, items)
        before = {"test_correct": sum(hits), "test_accuracy": sum(hits) / len(hits),
                  "test_no_answer": no_answer}
    record = {"selector": sel, "seed": seed, "name": cfg["name"], "rounds": rounds, "baseline": before,
              "run_wall_s": round(run_wall, 1), "run_cpu_s": round(run_cpu, 1),
              "wall_s": round(time.time() - wall, 1), "cpu_s": round(cpu_seconds() - cpu, 1),
              "load_before": [round(x, 2) for x in load0],
              "load_after": [round(x, 2) for x in os.getloadavg()],
              "sample_output": (metrics["final"]["test"].get("samples") or [None])[0]}
    done.write_text(json.dumps(record, indent=1))
    return record


def wilson(k: int, n: int) -> str:
    lo, hi = wilson_interval(k, n)
    return f"{k / n:.3f} [{lo:.2f}, {hi:.2f}]"


def report(data: dict[str, Any]) -> list[str]:
    runs = data["runs"]
    by = {s: sorted((r for r in runs if r["selector"] == s), key=lambda r: r["seed"]) for s in SELECTORS}
    seeds = sorted(set.intersection(*({r["seed"] for r in rs} for rs in by.values())) if all(by.values())
                   else set())
    a, d = data["args"], data["data"]
    n_rounds = max((len(r["rounds"]) for r in runs), default=0)
    lines = [GENERATED, "",
             f"Command: `{data['command']}`. Started {data['started']}; {data['machine']}.",
             (f"Pool {d['pool']} StrategyQA questions ({d['pool_yes']:.0%} yes), {a['validation']} "
              f"validation, {d['test_n']} test ({d['test_yes']:.0%} yes); {a['rounds']} rounds x "
              f"{a['budget']} examples; {a['steps']} steps of {a['batch_size']} per round (lr {a['lr']}); "
              f"ELAD scores {a['max_pool']} pool items a round with {a['samples']} samples; the student "
              f"answers in at most {a['eval_tokens']} new tokens."),
             f"Seeds finished by both arms: {seeds}.", "",
             "### Test accuracy after each round (95% Wilson CI per run)", "",
             "| selector | seed | " + " | ".join(f"round {i} ({a['budget'] * (i + 1)} ex.)"
                                                   for i in range(n_rounds))
             + " | no answer (last round) |", "|---|---|" + "---|" * n_rounds + "---|"]
    for s, rs in by.items():
        for r in rs:
            cells = [wilson(x["test_correct"], len(x["hits"])) for x in r["rounds"]]
            cells += ["-"] * (n_rounds - len(cells))
            lines.append(f"| {s} | {r['seed']} | " + " | ".join(cells)
                         + f" | {r['rounds'][-1]['test_no_answer']:.2f} |")
    for s, rs in by.items():
        rs = [r for r in rs if r["seed"] in seeds]
        if not rs:
            continue
        cells = []
        for i in range(n_rounds):
            hits = [r["rounds"][i]["hits"] for r in rs if len(r["rounds"]) > i]
            lo, hi = item_bootstrap(hits)
            cells.append(f"{statistics.fmean(sum(h) / len(h) for h in hits):.3f} [{lo:.2f}, {hi:.2f}]")
        lines.append(f"| {s}, mean over seeds (item bootstrap) | {', '.join(map(str, seeds))} | "
                     + " | ".join(cells) + " | - |")
    base = [r["baseline"] for r in runs if r.get("baseline")]
    if base:
        b = base[0]
        lines += ["", (f"Student before training (the 4-layer cut): test "
                       f"{wilson(b['test_correct'], d['test_n'])}, "
                       f"no answer {b['test_no_answer']:.2f}. Always 'yes' / always 'no': "
                       f"{d['test_yes']:.3f} / {1 - d['test_yes']:.3f}.")]
    if seeds:
        lines += ["", "### Paired differences, elad - random (same seed, same test items)", "",
                  "| round | per seed | mean, 95% bootstrap over seeds | mean, 95% paired item bootstrap |",
                  "|---|---|---|---|"]
        e = {r["seed"]: r for r in by["elad"]}
        q = {r["seed"]: r for r in by["random"]}
        for i in range(n_rounds):
            pairs = [(e[s]["rounds"][i], q[s]["rounds"][i]) for s in seeds
                     if len(e[s]["rounds"]) > i and len(q[s]["rounds"]) > i]
            d = [x["test_accuracy"] - y["test_accuracy"] for x, y in pairs]
            if not d:
                continue
            b = paired_bootstrap(d)
            lo, hi = item_bootstrap([x["hits"] for x, _ in pairs], [y["hits"] for _, y in pairs])
            lines.append(f"| {i} | {', '.join(f'{x:+.3f}' for x in d)} | {b['mean']:+.3f} [{b['lo']:+.3f}, "
                         f"{b['hi']:+.3f}] ({b['wins']}/{b['n']} seeds > 0) | [{lo:+.3f}, {hi:+.3f}] |")
    lines += ["", "### Cost and what was selected", "",
              ("Teacher tokens: the `dataset` teacher reports none; counted here as the SmolLM2 tokens of "
               "the annotations it served (explanation + \"So the answer is ...\", what the student trains "
               "on), and of the selected questions (what a prompt carries besides its fixed instructions)."),
              "",
              ("| selector | seed | served tokens (cumulative per round) | question tokens | selected 'yes' "
               "share per round | mean u_intra of ELAD's picks per round (distinct values) | validation "
               "acc. per round | wall s / CPU s (run + bench scoring) | 1-min load before / after |"),
              "|---|---|---|---|---|---|---|---|---|"]
    for s, rs in by.items():
        for r in rs:
            rr = r["rounds"]
            intra = ", ".join("-" if x["u_intra_selected_mean"] is None
                              else f"{x['u_intra_selected_mean']:.2f} ({x['u_intra_selected_distinct']})"
                              for x in rr)
            yes = ", ".join(f"{x['selected_yes']:.2f}" for x in rr)
            val = ", ".join(f"{x['validation_accuracy']:.3f}" for x in rr)
            lines.append(
                f"| {s} | {r['seed']} | {', '.join(str(x['served_tokens']) for x in rr)} "
                f"| {rr[-1]['question_tokens']} | {yes} | {intra} | {val} "
                f"| {r['wall_s']:.0f} / {r['cpu_s']:.0f} "
                f"| {r['load_before'][0]:.1f} / {r['load_after'][0]:.1f} |")
    wall, cpu = sum(r["wall_s"] for r in runs), sum(r["cpu_s"] for r in runs)
    lines += ["", (f"All runs: {wall:.0f} s wall and {cpu:.0f} "
                   f"CPU-s summed over runs (each run: its pipeline, then the bench's test scoring of every "
                   f"round; runs of an earlier invocation are reused with their own timings).")]
    return lines


def _write(data: dict[str, Any], args: argparse.Namespace) -> int:
    lines = report(data)
    print("\n".join(lines))
    if args.results:
        path = Path(args.results)
        head = path.read_text().split(GENERATED)[0] if path.is_file() else ""
        path.write_text(head + "\n".join(lines) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--selectors", nargs="+", default=list(SELECTORS), choices=SELECTORS)
    ap.add_argument("--pool", type=int, default=600, help="unlabeled pool (training questions)")
    ap.add_argument("--validation", type=int, default=40)
    ap.add_argument("--test", type=int, default=150)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--budget", type=int, default=48, help="examples annotated per round")
    ap.add_argument("--max-pool", type=int, default=96, help="pool items ELAD scores per round")
    ap.add_argument("--samples", type=int, default=4, help="explanations ELAD samples per item")
    ap.add_argument("--explain-tokens", type=int, default=64, help="new tokens per explanation ELAD reads")
    ap.add_argument("--eval-tokens", type=int, default=80, help="new tokens of the student at evaluation")
    ap.add_argument("--steps", type=int, default=30, help="training steps per round")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1, help="torch threads per run")
    ap.add_argument("--jobs", type=int, default=1, help="runs at once (processes)")
    ap.add_argument("--runs", default="runs/bench-elad-real-data", help="run folders")
    ap.add_argument("--out", default="bench/elad_real_data.json")
    ap.add_argument("--results", default=None, help="Markdown file whose generated part is rewritten")
    ap.add_argument("--from-json", action="store_true", help="only rewrite the tables from --out")
    args = ap.parse_args(argv)
    if args.from_json:
        return _write(json.loads(Path(args.out).read_text()), args)

    teacher_file, info = write_teacher_file(args)
    start, load0 = time.time(), os.getloadavg()
    command = ["python", "bench/elad_real_data.py", *(argv or sys.argv[1:])]
    data = {"args": vars(args), "command": " ".join(command),
            "data": info, "runs": [],
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {args.jobs} run(s) at once, "
                       f"torch threads {args.threads} each",
            "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(start))}
    jobs = [(sel, seed) for seed in args.seeds for sel in args.selectors]
    first = jobs[0]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, sel, seed, args, teacher_file, (sel, seed) == first)
                   for sel, seed in jobs]
        for (sel, seed), fut in zip(jobs, futures):
            r = fut.result()
            data["runs"].append(r)
            print(f"{sel} seed {seed}: test " + ", ".join(f"{x['test_accuracy']:.3f}" for x in r["rounds"])
                  + f" ({r['wall_s']:.0f} s wall, {r['cpu_s']:.0f} CPU-s)", flush=True)
            data.update(wall_s=round(time.time() - start, 1), load_before=load0, load_after=os.getloadavg(),
                        cpu_s=round(sum(x["cpu_s"] for x in data["runs"]), 1))
            Path(args.out).write_text(json.dumps(data, indent=1) + "\n")  # partial results survive
    return _write(data, args)


if __name__ == "__main__":
    sys.exit(main())
