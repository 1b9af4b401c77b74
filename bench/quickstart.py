"""The README's quickstart, measured: a fresh run of configs/tinyllm/quickstart.yaml and its results table.

    .venv/bin/python bench/quickstart.py      # minutes on 2 CPU cores; writes bench/RESULTS-quickstart.md

Runs ``distillkit run`` in a subprocess on a fresh output folder (no teacher cache: every teacher call
is paid, as on a new machine), and records wall time, user+system CPU time of the run, peak memory
and the load average before and after (other jobs on the machine slow the wall time, not the CPU
time). Then writes the table the README shows: test accuracy with 95% Wilson intervals for the
student before and after distillation and for each teacher answering on its own (real LLM vs
programmatic teacher), and checks the quickstart's goals (student after >= 0.25, >= 3x before,
>= the SmolLM2 teacher).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = {
    "smollm2": "teacher SmolLM2-135M-Instruct (real LLM), own chain of thought",
    "solver": "teacher synthetic_solver (programmatic, 10% step errors), own solution",
}


def _ci(result: dict) -> str:
    low, high = result.get("accuracy_ci") or (float("nan"), float("nan"))
    return f"{result['accuracy']:.3f} [{low:.3f}, {high:.3f}]"


def _events(run: Path) -> list[dict]:
    path = run / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _phases(events: list[dict], start: float) -> dict[str, float]:
    """Seconds from the start of the run to the end of each phase, from events.jsonl."""
    out: dict[str, float] = {}
    for e in events:
        if e["event"] == "annotation_end" and "teacher_id" in e:  # train annotation first, then test scoring
            what = "train annotation" if "training done" not in out else "test-set answers"
            out[f"{e['teacher_id']} {what} done"] = e["time"] - start
        elif e["event"] == "train_log":
            out["training done"] = e["time"] - start
        elif e["event"] == "run_end":
            out["run done"] = e["time"] - start
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/tinyllm/quickstart.yaml")
    ap.add_argument("--out", default="runs/bench-quickstart", help="run folder (deleted first)")
    ap.add_argument("--results", default="bench/RESULTS-quickstart.md")
    ap.add_argument("-o", "--override", action="append", default=[], help="passed to distillkit run as -o")
    args = ap.parse_args(argv)
    out = (ROOT / args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    exe = Path(sys.executable).with_name("distillkit")
    cmd = [str(exe) if exe.exists() else "distillkit", "run", args.config, "-o", f"output_dir={out}",
           "-o", "trainer.progress=false", *[x for o in args.override for x in ("-o", o)]]
    load_before = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    wall = time.time() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_after = os.getloadavg()
    if proc.returncode != 0:
        print(f"distillkit run failed with exit code {proc.returncode}", file=sys.stderr)
        return proc.returncode
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss_mb = after.ru_maxrss / 1024
    m = json.loads((out / "metrics.json").read_text())
    before_test, final, teachers = m["baseline_test"], m["final"]["test"], m["teachers_test"]
    steps = sum(r["train_steps"] for r in m["rounds"])
    phases = _phases(_events(out), start)

    rows = [("student (4 layers cut from SmolLM2-135M-Instruct) before distillation", before_test),
            ("student after distillation", final)]
    rows += [(LABELS.get(tid, f"teacher {tid}"), r) for tid, r in teachers.items() if "accuracy" in r]
    table = ["| model | test accuracy (95% Wilson CI) |", "|---|---|"]
    table += [f"| {name} | {_ci(r)} |" for name, r in rows]
    after_acc, before_acc = final["accuracy"], before_test["accuracy"]
    llm = teachers.get("smollm2", {}).get("accuracy")
    checks = [
        (f"student after >= 0.25: {after_acc:.3f}", after_acc >= 0.25),
        (f"student after >= 3x before: {after_acc:.3f} vs 3 x {before_acc:.3f} = {3 * before_acc:.3f}",
         after_acc >= 3 * before_acc),
        (f"student after >= SmolLM2 teacher: {after_acc:.3f} vs {llm if llm is None else f'{llm:.3f}'}",
         llm is not None and after_acc >= llm),
    ]
    ncpu = os.cpu_count()
    lines = [
        "# Quickstart results",
        "",
        f"Regenerate: `.venv/bin/python bench/quickstart.py` (runs `distillkit run {args.config}` on a fresh",
        "folder, no teacher cache; see the config's header for what it does).",
        "",
        (f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(start))} on {platform.machine()}, "
         f"{ncpu} CPU cores, Python {platform.python_version()}."),
        "",
        (f"Test set: {final['n']} synthetic arithmetic problems (generated, held out from training); "
         f"student trained {steps} steps."),
        "",
        *table,
        "",
        "Goals of the quickstart (issue 14):",
        "",
        *[f"- [{'x' if ok else ' '}] {text}" for text, ok in checks],
        "",
        "| cost | value |",
        "|---|---|",
        f"| wall time | {wall:.0f} s ({wall / 60:.1f} min) |",
        f"| CPU time (user + system) | {cpu:.0f} s |",
        (f"| load average (1 min) before / after | {load_before[0]:.2f} / {load_after[0]:.2f} "
         f"(other jobs on the {ncpu} cores) |"),
        f"| peak RSS | {rss_mb:.0f} MB |",
        f"| teacher calls | {m.get('teacher_calls')} |",
        *[f"| {name} | {sec:.0f} s after start |" for name, sec in phases.items()],
        "",
        "With other jobs on the cores the wall time grows much more than the CPU time: on 2 free",
        "cores torch uses both, so the wall time is about half the CPU time plus model loading.",
        "",
    ]
    results = ROOT / args.results
    results.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"wrote {results}")
    return 0 if all(ok for _, ok in checks) else 3


if __name__ == "__main__":
    sys.exit(main())
