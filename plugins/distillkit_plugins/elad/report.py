"""The ELAD report of one or more finished runs: accuracy against budget, selections, revisions, cost.

Reads only what a run folder holds (``state.json``, ``config.resolved.yaml``,
``rounds/NN/selected.jsonl`` and the teacher cache), so it works on any finished or
interrupted run, and on runs made elsewhere. Runs with the same selector and annotation
strategy (e.g. several seeds) are one curve: the mean with its standard deviation.

How each annotation was made is read back from the teacher's reply in the cache: "kept" (the
teacher found every step correct and the student's text was kept), "revised", "full" (a full
teacher rationale: nothing to revise, keep_correct off, or a non-revision strategy such as
``cot``), "fallback" (a full teacher rationale because the reply to a revision prompt had no
readable verdict; counted per reason in ``fallback_reasons``), "error" (the parse failed); with how many of the rationale's lines are the student's own
(kept) and how many the teacher wrote, the part of the annotation a teacher is paid to write.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from distillkit.errors import DataError
from distillkit_plugins.elad.verdict import VerdictError, find_verdict

REVISION_STRATEGY = "teacher_revision"
REVISION_MARK = "\nStudent's steps:\n"  # in revision prompts only (not in the cot prompt for stepless students)


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise DataError(f"{path}: not found; is {path.parent} a distillkit run folder with a finished round?")
    return json.loads(path.read_text(encoding="utf-8"))


def _selected(run_dir: Path, round_idx: int) -> list[dict[str, Any]]:
    path = run_dir / "rounds" / f"{round_idx:02d}" / "selected.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def outcome_kind(raw: str | None, parsed_ok: bool, keep_correct: bool, prompt: str | None = None) -> str:
    """How a ``teacher_revision`` annotation was made, read from the reply and whether it parsed."""
    return _outcome(raw, parsed_ok, keep_correct, prompt)[0]


def _outcome(raw: str | None, parsed_ok: bool, keep_correct: bool, prompt: str | None) -> tuple[str, str | None]:
    """(kind, fallback reason)."""
    if not parsed_ok or raw is None:
        return "error", None
    why = "no verdict in the reply"
    try:
        verdict = find_verdict(raw)
    except VerdictError as exc:  # "unreadable verdict '<text>': <reason>": count by reason, not by text
        verdict, why = None, f"unreadable verdict ({str(exc).rsplit(chr(39) + ': ', 1)[-1]})"
    if verdict is None and prompt is not None and REVISION_MARK in prompt:
        return "fallback", why
    if verdict is None or verdict.kind == "no_steps":
        return "full", None
    if verdict.kind == "correct":
        return ("kept" if keep_correct else "full"), None
    return "revised", None


def _annotation_entries(run_dir: Path, config: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """(teacher id, example id) -> the newest cached answer of that teacher about that example."""
    from distillkit.annotation.cache import TeacherCache, cache_path

    path = cache_path((config.get("cache") or {}).get("path"), run_dir)
    if not path.is_file():
        return {}
    out: dict[tuple[str, str], Any] = {}
    with TeacherCache(path) as cache:
        for t in config.get("teachers", []):
            for entry in cache.iter_entries(t["id"]):  # oldest first: the newest answer wins
                out[(t["id"], entry.example_id)] = entry
    return out


def _verdict(raw: str | None) -> Any:
    try:
        return find_verdict(raw) if raw else None
    except VerdictError:
        return None


def _kept_steps(kind: str, verdict: Any, n_steps: int) -> int:
    """Student steps at the start of the rationale (the teacher wrote the rest)."""
    if kind == "kept" or (verdict is not None and verdict.kind == "answer_wrong" and kind == "revised"):
        return n_steps
    if kind == "revised" and verdict is not None and verdict.step is not None:
        return min(verdict.step - 1, n_steps)
    return 0


def _outcomes(ids: list[str], entries: dict[tuple[str, str], Any], config: dict[str, Any]) -> dict[str, Any]:
    """How this round's items were annotated: kinds, first wrong steps, steps kept vs written, answers."""
    kinds: Counter = Counter()
    fallbacks: Counter = Counter()
    first_wrong: Counter = Counter()
    kept = written = 0
    answers: dict[str, str | None] = {}
    for t in config.get("teachers", []):
        revision = t["strategy"]["type"] == REVISION_STRATEGY
        keep = t["strategy"].get("keep_correct_student_explanation", True)
        for ex_id in ids:
            entry = entries.get((t["id"], ex_id))
            if entry is None:
                kinds["not annotated"] += 1
                continue
            ok = entry.rationale is not None
            kind, why = _outcome(entry.raw, ok, keep, entry.prompt) if revision else ("full" if ok else "error", None)
            kinds[kind] += 1
            if why:
                fallbacks[why] += 1
            verdict = _verdict(entry.raw) if revision else None
            if verdict is not None and verdict.step is not None:
                first_wrong[str(verdict.step)] += 1
            if ok:
                n = sum(1 for line in entry.rationale.splitlines() if line.strip())
                k = _kept_steps(kind, verdict, n)
                kept, written = kept + k, written + n - k
                answers[ex_id] = entry.answer
    return {"kinds": dict(kinds), "fallback_reasons": dict(fallbacks),
            "first_wrong_step": dict(sorted(first_wrong.items())),
            "student_steps_kept": kept, "teacher_steps_written": written, "answers": answers}


def _round_row(run_dir: Path, r: dict[str, Any], metric: str, entries: dict, config: dict,
               tokens: list[int]) -> dict[str, Any]:
    ann = r.get("annotation", {})
    tokens[0] += sum(s.get("prompt_tokens") or 0 for s in ann.values())
    tokens[1] += sum(s.get("completion_tokens") or 0 for s in ann.values())
    selected = _selected(run_dir, r["round"])
    keep = ("score", "u_intra", "u_inter", "confidence", "early_answers", "sampled_answers", "final_answer")
    return {
        "round": r["round"], "labeled": r["labeled_total"], "teacher_calls": r.get("teacher_calls_total"),
        "cost": r.get("cost_total"), "prompt_tokens": tokens[0], "completion_tokens": tokens[1],
        metric: r.get("validation", {}).get(metric),
        "parse_errors": sum(s.get("parse_errors", 0) for s in ann.values()),
        "annotation": _outcomes([s["id"] for s in selected], entries, config),
        "selected": [{"id": s["id"], **{k: s["details"][k] for k in keep if k in s.get("details", {})}}
                     for s in selected],
    }


def summarize_run(run_dir: str | Path, metric: str = "accuracy") -> dict[str, Any]:
    """One run as the report shows it: its label, and per round budget spent, accuracy and selections."""
    run_dir = Path(run_dir)
    state = _read_json(run_dir / "state.json")
    config_path = run_dir / "config.resolved.yaml"
    if not config_path.is_file():
        raise DataError(f"{config_path}: not found; is {run_dir} a distillkit run folder?")
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    strategies = sorted({t["strategy"]["type"] for t in config.get("teachers", [])})
    label = f"{config['selector']['type']} + {'/'.join(strategies) or 'no teacher'}"
    entries = _annotation_entries(run_dir, config)
    tokens = [0, 0]
    rounds = [_round_row(run_dir, r, metric, entries, config, tokens) for r in state.get("rounds", [])]
    final = ((state.get("final") or {}).get("test") or {}).get(metric)
    return {"run_dir": str(run_dir), "name": config.get("name"), "seed": config.get("seed"), "label": label,
            "selector": config["selector"]["type"], "strategies": strategies, "metric": metric,
            "baseline_test": (state.get("baseline") or {}).get(metric), "final_test": final,
            "teacher_calls": state.get("teacher_calls"), "cost": state.get("cost"), "rounds": rounds,
            "target_answer": _target_answer(config)}


def _target_answer(config: dict[str, Any]) -> str:
    """Which answer the student was trained on: the teachers' (unlabeled pool) or the dataset's gold."""
    loss = config.get("loss") or {}
    if "target_answer" in loss:
        return f"{loss['target_answer']} (loss {loss.get('type')})"
    return f"as loss {loss.get('type')} defines it"


def curves(runs: list[dict[str, Any]], metric: str = "accuracy") -> dict[str, list[dict[str, Any]]]:
    """label -> [{labeled, mean, std, n}] over the runs sharing that label, at each budget they reached."""
    by_label: dict[str, dict[int, list[float]]] = {}
    for run in runs:
        for r in run["rounds"]:
            if isinstance(r.get(metric), (int, float)):
                by_label.setdefault(run["label"], {}).setdefault(r["labeled"], []).append(float(r[metric]))
    return {label: [{"labeled": x, "mean": statistics.fmean(v), "n": len(v),
                     "std": statistics.stdev(v) if len(v) > 1 else 0.0} for x, v in sorted(pts.items())]
            for label, pts in sorted(by_label.items())}


def plot_curves(series: dict[str, list[dict[str, Any]]], path: Path, metric: str = "accuracy",
                title: str = "Accuracy against teacher budget") -> Path:
    """One line per label (mean, with a +-1 std band when there are several runs); saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, pts in series.items():
        xs, ys = [p["labeled"] for p in pts], [p["mean"] for p in pts]
        ax.plot(xs, ys, marker="o", label=label)
        if any(p["n"] > 1 for p in pts):
            ax.fill_between(xs, [y - p["std"] for y, p in zip(ys, pts)], [y + p["std"] for y, p in zip(ys, pts)],
                            alpha=0.15)
    ax.set_xlabel("examples annotated by the teacher (budget spent)")
    ax.set_ylabel(f"validation {metric}")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _fmt(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, float) else "-" if value is None else str(value)


def _no_details(selector: str) -> str:
    """What a pick without details says: only the built-in random selector's picks are random."""
    from distillkit_plugins.elad.baselines import RandomSelector

    return "random pick" if selector == RandomSelector.name else f"picked by {selector} (no details recorded)"


def _run_section(run: dict[str, Any], metric: str, show: int) -> list[str]:
    lines = [f"### {run['name']} ({run['label']}, seed {run['seed']})", "",
             (f"Test {metric}: {_fmt(run['baseline_test'])} before, {_fmt(run['final_test'])} after; "
              f"teacher calls {run['teacher_calls']}, cost {_fmt(run['cost'], 4)}; "
              f"trained on the answers of: {run.get('target_answer', '-')}."), "",
             f"| round | labeled | teacher calls | tokens in/out | cost | validation {metric} | annotations | parse errors |",
             "|---|---|---|---|---|---|---|---|"]
    for r in run["rounds"]:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["annotation"]["kinds"].items())) or "-"
        lines.append(f"| {r['round']} | {r['labeled']} | {r['teacher_calls']} | {r['prompt_tokens']}/"
                     f"{r['completion_tokens']} | {_fmt(r['cost'], 4)} | {_fmt(r.get(metric))} | {kinds} | "
                     f"{r['parse_errors']} |")
    reasons: Counter = Counter()
    for r in run["rounds"]:
        reasons.update(r["annotation"].get("fallback_reasons", {}))
    if reasons:
        lines += ["", "Full-rationale fallbacks (no readable verdict): "
                  + "; ".join(f"{why}: {n}" for why, n in reasons.most_common())]
    for r in run["rounds"]:
        picked = r["selected"][:show]
        if not picked:
            continue
        lines += ["", f"Round {r['round']}: first {len(picked)} of {len(r['selected'])} selected (why)", ""]
        for s in picked:
            why = ", ".join(f"{k}={_fmt(v) if isinstance(v, float) else v}" for k, v in s.items() if k != "id")
            lines.append(f"- `{s['id']}`: {why or _no_details(run['selector'])}")
    return lines + [""]


def write_report(run_dirs: list[str | Path], out_dir: str | Path, metric: str = "accuracy",
                 show: int = 5) -> Path:
    """Write ``elad_report.json``, ``accuracy_vs_budget.png`` and ``elad_report.md`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs = [summarize_run(d, metric) for d in run_dirs]
    series = curves(runs, metric)
    (out / "elad_report.json").write_text(json.dumps({"metric": metric, "curves": series, "runs": runs},
                                                     indent=2, default=str) + "\n", encoding="utf-8")
    lines = ["# ELAD report", "", f"Runs: {len(runs)}; metric: validation {metric} after each round.", ""]
    if any(pts for pts in series.values()):
        plot_curves(series, out / "accuracy_vs_budget.png", metric)
        lines += ["![accuracy against budget](accuracy_vs_budget.png)", ""]
    lines += ["| selector + annotation | budget: mean (std, runs) |", "|---|---|"]
    for label, pts in series.items():
        cells = "; ".join(f"{p['labeled']}: {p['mean']:.3f} ({p['std']:.3f}, {p['n']})" for p in pts)
        lines.append(f"| {label} | {cells} |")
    lines += ["", "## Runs", ""]
    for run in runs:
        lines += _run_section(run, metric, show)
    path = out / "elad_report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
