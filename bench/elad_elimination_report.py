"""Writes a results page (default bench/RESULTS-elad.md), its plot and a summary JSON from a
bench/elad_elimination_bench.py JSON.

    python bench/elad_elimination_report.py --data bench/elad_elimination_plateau.json [--partial]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from elad_budget_curves import budget_to_reach
from elad_stats import at, auc, paired_bootstrap

ROOT = Path(__file__).resolve().parents[1]
BASE = "random"


def _token_key(runs: list[dict[str, Any]]) -> str:
    """Count in SmolLM2 tokens when every run has them (``llm_tokens``), else in the solver's words."""
    return "llm_tokens" if all("llm_tokens" in r for r in runs) else "tokens"


TOKEN_LABEL = {"llm_tokens": "SmolLM2 tokens (prompt + reply text)",
               "tokens": "teacher words (prompt + reply)"}


def _by(runs: list[dict[str, Any]]) -> dict[str, dict[int, dict[str, Any]]]:
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for r in runs:
        out.setdefault(r["condition"], {})[r["seed"]] = r
    return out


def _ms(xs: list[float], d: int = 3) -> str:
    if len(xs) == 1:
        return f"{xs[0]:.{d}f}"
    return f"{statistics.fmean(xs):.{d}f} +- {statistics.stdev(xs):.{d}f}"


def _ci(b: dict[str, float]) -> str:
    return f"{b['mean']:+.3f} [{b['lo']:+.3f}, {b['hi']:+.3f}] ({b['wins']}/{b['n']} seeds > 0)"


def _mean_curve(runs: dict[int, dict[str, Any]]) -> list[dict[str, float]]:
    budgets = min((r["budgets"] for r in runs.values()), key=len)
    return [{"labeled": b, "mean": statistics.fmean(r["val"][i] for r in runs.values())}
            for i, b in enumerate(budgets)]


def _fmt(x: float | None) -> str:
    return "not reached" if x is None else f"{x:.0f}"


def tables(runs: list[dict[str, Any]]) -> tuple[list[str], dict[str, Any]]:
    by = _by(runs)
    base = by[BASE]
    seeds = sorted(set.intersection(*(set(c) for c in by.values())))
    curves = {name: _mean_curve({s: c[s] for s in seeds}) for name, c in by.items()}
    final = curves[BASE][-1]["mean"]
    budgets = [p["labeled"] for p in curves[BASE]]
    lines = [f"Seeds compared (every condition finished them): {seeds}.", "",
             "### Validation accuracy after each round (mean +- std over seeds), by examples annotated", "",
             "| condition | " + " | ".join(map(str, budgets)) + " | final test |",
             "|---|" + "---|" * (len(budgets) + 1)]
    for name, c in by.items():
        cells = [_ms([c[s]["val"][i] for s in seeds]) for i in range(len(budgets))]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {_ms([c[s]['final_test'] for s in seeds])} |")
    lines += ["", f"### Budget to target, area under the curve, paired differences against {BASE}", "",
              (f"Targets: 90% and 100% of {BASE}'s final mean validation accuracy ({final:.3f}), read on "
              "each condition's mean curve (linear between rounds). AUC: mean validation accuracy over the "
              "budget "
              "(trapezoid / range). Differences: per seed, condition minus random, mean with a 95% bootstrap "
              "interval over seeds (10,000 resamples)."), "",
              ("| condition | budget to 90% | budget to 100% | AUC (examples) | AUC - random | "
              "final val - random | final test - random |"), "|---|---|---|---|---|---|---|"]
    summary: dict[str, Any] = {}
    for name, c in by.items():
        aucs = {s: auc(c[s]["budgets"], c[s]["val"]) for s in seeds}
        row = {"b90": budget_to_reach(curves[name], 0.9 * final),
               "b100": budget_to_reach(curves[name], final), "auc": statistics.fmean(aucs.values())}
        if name != BASE:
            base_auc = {s: auc(base[s]["budgets"], base[s]["val"]) for s in seeds}
            row["d_auc"] = paired_bootstrap([aucs[s] - base_auc[s] for s in seeds])
            row["d_val"] = paired_bootstrap([c[s]["val"][-1] - base[s]["val"][-1] for s in seeds])
            row["d_test"] = paired_bootstrap([c[s]["final_test"] - base[s]["final_test"] for s in seeds])
        summary[name] = row
        diffs = " | ".join(_ci(row[k]) if k in row else "-" for k in ("d_auc", "d_val", "d_test"))
        lines.append(f"| {name} | {_fmt(row['b90'])} | {_fmt(row['b100'])} | {row['auc']:.3f} | {diffs} |")
    key = _token_key(runs)
    counted = ("SmolLM2's tokenizer over every teacher call's prompt and reply text (what an LLM teacher "
               "would bill, chat template aside); the in + out split is the programmatic teacher's own "
               "word count" if key == "llm_tokens" else "the programmatic teacher's word counts (prompt + "
               "reply, whitespace-split)")
    lines += ["", "### Cost in teacher tokens, and revision against full rationales at equal tokens", "",
              (f"Tokens: {counted}. A revision prompt carries the instructions and the student's "
               "explanation."), "",
              ("| condition | teacher tokens / run | words / run (in + out) | tokens / example | "
               "annotations (all seeds) | "
              "teacher answers correct | student steps kept / run | teacher steps written / run | "
              "CPU s / run |"), "|---|---|---|---|---|---|---|---|---|"]
    for name, c in by.items():
        rs = [c[s] for s in seeds]
        kinds: dict[str, int] = {}
        for r in rs:
            for k, v in r["kinds"].items():
                kinds[k] = kinds.get(k, 0) + v
        tok = [r[key][-1] for r in rs]
        lines.append(f"| {name} | {_ms(tok, 0)} | {_ms([r['tokens'][-1] for r in rs], 0)} "
                     f"({_ms([r['prompt_tokens'] for r in rs], 0)} + "
                     f"{_ms([r['completion_tokens'] for r in rs], 0)}) | "
                     f"{statistics.fmean(t / r['budgets'][-1] for t, r in zip(tok, rs)):.0f} | "
                     f"{', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))} | "
                     f"{_ms([r['teacher_answer_correct'] for r in rs])} | "
                     f"{statistics.fmean(r['student_steps_kept'] for r in rs):.0f} | "
                     f"{statistics.fmean(r['teacher_steps_written'] for r in rs):.0f} | "
                     f"{_ms([r['cpu_s'] for r in rs], 0)} |")
    lines += _equal_tokens(by, seeds, key)
    lines += _intra(by, seeds)
    return lines, {"seeds": seeds, "random_final": final, "conditions": summary}


def _equal_tokens(by: dict[str, Any], seeds: list[int], key: str) -> list[str]:
    rev, full = "elad", "elad_full_rationale"
    if rev not in by or full not in by:
        return []
    out = ["", (f"At equal teacher tokens ({rev} = revision, {full} = the same selector, full rationales): "
           "per seed, validation accuracy interpolated at token budgets both reached."), "",
           f"| {TOKEN_LABEL[key]} | revision | full rationale | revision - full (paired) |",
           "|---|---|---|---|"]
    top = min(min(by[rev][s][key][-1], by[full][s][key][-1]) for s in seeds)
    for frac in (0.25, 0.5, 0.75, 1.0):
        x = frac * top
        a = [at(by[rev][s][key], by[rev][s]["val"], x) for s in seeds]
        b = [at(by[full][s][key], by[full][s]["val"], x) for s in seeds]
        pairs = [(p, q) for p, q in zip(a, b) if p is not None and q is not None]
        if pairs:
            out.append(f"| {x:,.0f} | {_ms([p for p, _ in pairs])} | {_ms([q for _, q in pairs])} | "
                       f"{_ci(paired_bootstrap([p - q for p, q in pairs]))} |")
    return out


def _intra(by: dict[str, Any], seeds: list[int]) -> list[str]:
    out = ["", "### Is the intra-explanation signal informative here?", "",
           ("u_intra of the items each ELAD variant selected, per round (all seeds pooled): mean, share of "
           "items at >= 0.99 (the degenerate value on arithmetic), number of distinct values."), "",
           "| condition | round | mean u_intra | share >= 0.99 | distinct values |", "|---|---|---|---|---|"]
    for name in ("elad", "elad_intra_only"):
        if name not in by:
            continue
        n_rounds = len(by[name][seeds[0]]["u_intra_selected"])
        for i in range(n_rounds):
            vals = [v for s in seeds for v in by[name][s]["u_intra_selected"][i]]
            if vals:
                out.append(f"| {name} | {i} | {statistics.fmean(vals):.2f} | "
                           f"{sum(v >= 0.99 for v in vals) / len(vals):.2f} | "
                           f"{len({round(v, 3) for v in vals})} |")
    return out


def plot(runs: list[dict[str, Any]], path: Path, seeds: list[int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    key = _token_key(runs)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, c in _by(runs).items():
        rs = [c[s] for s in seeds if s in c]
        n = min(len(r["val"]) for r in rs)
        ys = [statistics.fmean(r["val"][i] for r in rs) for i in range(n)]
        ax1.plot(rs[0]["budgets"][:n], ys, marker="o", label=name)
        ax2.plot([statistics.fmean(r[key][i] for r in rs) for i in range(n)], ys, marker=".", label=name)
    ax1.set_xlabel("examples annotated")
    ax2.set_xlabel(f"teacher {TOKEN_LABEL[key]}")
    for ax in (ax1, ax2):
        ax.set_ylabel("validation accuracy (mean over seeds)")
        ax.grid(alpha=0.3)
    ax1.legend(fontsize=7)
    fig.suptitle(f"synthetic_elimination, tiny student, unlabeled pool, seeds {seeds}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / "elad_elimination.json")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS-elad.md")
    ap.add_argument("--head", type=Path, default=ROOT / "bench" / "RESULTS-elad.head.md",
                    help="Hand-written reading placed before the generated tables.")
    ap.add_argument("--plot", type=Path, default=ROOT / "bench" / "elad_elimination.png")
    ap.add_argument("--summary", type=Path, default=ROOT / "bench" / "elad_elimination_summary.json")
    ap.add_argument("--partial", action="store_true", help="Label the results as partial.")
    args = ap.parse_args()
    data = json.loads(args.data.read_text())
    lines, summary = tables(data["runs"])
    plot(data["runs"], args.plot, summary["seeds"])
    args.summary.write_text(json.dumps(summary, indent=1) + "\n")
    loads = [r["load_avg"][0] for r in data["runs"]]
    head = args.head.read_text() if args.head.is_file() else "# ELAD: measured results\n"
    cmd = (f"Command: `OMP_NUM_THREADS=1 nice -n 10 {data['command']}` then "
           f"`python bench/elad_elimination_report.py --data {os.path.relpath(args.data.resolve(), ROOT)}` "
           f"(config `{data['config']}`). "
           f"1-minute load average at the end of each run: {min(loads):.1f}-{max(loads):.1f} "
           "on 2 shared cores "
           "(accuracies do not depend on it; times do).")
    partial = [("**PARTIAL**: not every condition finished every seed; the tables use the seeds all "
               "finished."), ""]
    text = "\n".join([head.rstrip(), "", "## Tables (generated)", "", cmd, "",
                      *(partial if args.partial else []), *lines,
                      "", f"![accuracy against budget]({args.plot.name})", ""])
    args.out.write_text(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    main()
