"""report.md with PNG plots: what a person wants to read after a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distillkit.config.pipeline import ResolvedPipeline
from distillkit.run.state import RunState
from distillkit.secrets import redact


def _metrics_row(label: str, m: dict[str, Any] | None) -> str:
    if not m:
        return f"| {label} | - | - |"
    if m.get("n") == 0:
        return f"| {label} | no examples: metrics undefined | 0 |"
    vals = [f"{k} {v:.3f}" + (f" [{m[k + '_ci'][0]:.3f}, {m[k + '_ci'][1]:.3f}]" if k + "_ci" in m else "")
            for k, v in m.items() if isinstance(v, float)]
    return f"| {label} | {'; '.join(vals)} | {m.get('n', '-')} |"


def _finish(plt, fig, ax, xlabel: str, ylabel: str, title: str, path: Path) -> Path:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _plot_losses(state: RunState, out: Path) -> Path | None:
    rows = [(r["round"], h) for r in state.rounds for h in r["train"]["history"] if "step" in h]
    keys = sorted({k for _, h in rows for k, v in h.items() if k.startswith("loss") and isinstance(v, (int, float))})
    if not rows or not keys:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    offsets, total = {}, 0  # rounds are drawn one after another on one axis
    for r in state.rounds:
        offsets[r["round"]], total = total, total + r["train"]["steps"]
    fig, ax = plt.subplots(figsize=(7, 4))
    for key in keys:
        pts = [(offsets[rnd] + h["step"], h[key]) for rnd, h in rows if key in h]
        ax.plot([x for x, _ in pts], [y for _, y in pts], label=key)
    ax.legend()
    return _finish(plt, fig, ax, "optimizer step (rounds concatenated)", "loss", "Training loss per component",
                   out / "loss_curves.png")


def _plot_budget(state: RunState, metric: str, out: Path) -> Path | None:
    pts = [(r["labeled_total"], r["validation"].get(metric)) for r in state.rounds if metric in r["validation"]]
    if len(pts) < 2:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o")
    return _finish(plt, fig, ax, "examples annotated by teachers (budget spent)", f"validation {metric}",
                   "Accuracy against teacher budget", out / "accuracy_vs_budget.png")


def _views_cell(r: dict) -> str:
    """Total views, per loss component, and the rationales the loss could not use (by teacher:reason)."""
    parts = [f"{r['views']}"]
    if r.get("views_by_component"):
        parts.append("(" + ", ".join(f"{c} {n}" for c, n in sorted(r["views_by_component"].items())) + ")")
    if r.get("views_skipped"):
        parts.append("skipped: " + ", ".join(f"{k} {n}" for k, n in sorted(r["views_skipped"].items())))
    return " ".join(parts)


def _annotation_table(state: RunState) -> list[str]:
    lines = ["| round | teacher | calls | cache hits | ok | parse errors | filtered | failed (by reason) | tokens in/out | time s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in state.rounds:
        for tid, s in r["annotation"].items():
            drops = sum((s.get("filter_drops_by_reason") or {}).values())
            fails = s.get("failures_by_reason") or {}
            lines.append(
                f"| {r['round']} | {tid} | {s.get('calls', '-')} | {s.get('cache_hits', '-')} | {s.get('ok', '-')} | "
                f"{s.get('parse_errors', '-')} | {drops} ({s.get('filter_drops_by_reason') or {}}) | "
                f"{sum(fails.values())} {fails or ''} | {s.get('prompt_tokens') or 0}/{s.get('completion_tokens') or 0} | "
                f"{s.get('wall_s', 0):.1f} |")
    return lines


def _failures_note(state: RunState) -> list[str]:
    """Where to read why each item was not used (the table above only counts them)."""
    rounds = [r["round"] for r in state.rounds
              if any(s.get("failed") or s.get("parse_errors") or s.get("filter_drops_by_reason")
                     for s in r["annotation"].values())]
    if not rounds:
        return []
    where = ", ".join(f"`rounds/{n:02d}/failures.jsonl`" for n in rounds)
    return ["", f"Why each failed, unparsed or filtered item was not used (one line per item, with its reason): {where}."]


def write_report(run_dir: Path, p: ResolvedPipeline, state: RunState, teachers: dict[str, Any],
                 examples: list[dict[str, Any]], command: str) -> Path:
    plots = run_dir / "plots"
    plots.mkdir(exist_ok=True)
    metric = p.metrics[0].name
    lines = [f"# distillkit run: {p.spec.name}", "", p.spec.description or "", "", f"Command: `{command}`", "",
             "## Test results", "", "| model | metrics (95% CI) | n |", "|---|---|---|",
             _metrics_row("student before distillation", state.baseline),
             _metrics_row("student after distillation", (state.final or {}).get("test"))]
    lines += [_metrics_row(f"teacher `{tid}` ({m.get('strategy')})", m) for tid, m in teachers.items()]
    lines += ["", "## Rounds", "", "| round | selected | labeled total | views | validation | train steps | peak RSS MB |",
              "|---|---|---|---|---|---|---|"]
    for r in state.rounds:
        val = r["validation"].get(metric)
        lines.append(f"| {r['round']} | {r['selected']} | {r['labeled_total']} | {_views_cell(r)} | "
                     f"{metric} {val:.3f} | {r['train']['steps']} | {r['train']['peak_rss_mb'] or '-'} |"
                     if isinstance(val, float) else f"| {r['round']} | {r['selected']} | - | - | - | - | - |")
    lines += ["", f"Teacher calls in total: {state.teacher_calls}; cost: {state.cost:.4f}", "",
              "## Teacher annotation", ""] + _annotation_table(state) + _failures_note(state)
    for name, plot in (("Loss curves", _plot_losses(state, plots)), ("Accuracy against budget", _plot_budget(state, metric, plots))):
        if plot:
            lines += ["", f"## {name}", "", f"![{name}](plots/{plot.name})"]
    if examples:
        lines += ["", "## Example rationales", ""]
        for ex in examples:
            gold = ex["gold"] if ex["gold"] is not None else "not read, unlabeled pool"
            lines += [f"**{ex['teacher']}** on: {ex['question']!r} (gold: {gold})", "", "```",
                      str(ex["rationale"]), f"-> {ex['answer']}", "```", ""]
    samples = [s for r in state.rounds for tid, s in r["annotation"].items() for s in s.get("parse_error_samples", [])]
    if samples:
        lines += ["## Parse failures (samples)", ""] + [f"```\n{s}\n```" for s in samples[:5]]
    final_samples = ((state.final or {}).get("test") or {}).get("samples", [])
    if final_samples:
        lines += ["## Student outputs on test (first items)", ""]
        lines += [f"- gold `{s['gold']}`, output `{s['output']!r}`" for s in final_samples]
    path = run_dir / "report.md"
    path.write_text(redact("\n".join(lines)) + "\n", encoding="utf-8")
    return path
