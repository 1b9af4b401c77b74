"""Writes bench/RESULTS-elad-arithmetic.md from the JSON that ``elad_budget_curves.py`` produced.

    python bench/elad_results_table.py bench/elad_budget_curves.json bench/RESULTS-elad-arithmetic.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _ms(stat: dict[str, float], digits: int = 3) -> str:
    return f"{stat['mean']:.{digits}f} +- {stat['std']:.{digits}f}"


def _curve_table(conds: dict[str, Any]) -> list[str]:
    budgets = sorted({p["labeled"] for c in conds.values() for p in c["curve"]})
    lines = ["| condition | " + " | ".join(f"{b}" for b in budgets) + " | final test |",
             "|---|" + "---|" * (len(budgets) + 1)]
    for name, c in conds.items():
        at = {p["labeled"]: p for p in c["curve"]}
        cells = [f"{at[b]['mean']:.3f} +- {at[b]['std']:.3f}" if b in at else "-" for b in budgets]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {_ms(c['final_test'])} |")
    return lines


def _annotation_table(conds: dict[str, Any]) -> list[str]:
    lines = [("| condition | annotations (all seeds) | teacher-written steps / run | student steps kept / run | "
              "annotation answers correct | wall s / run |"), "|---|---|---|---|---|---|"]
    for name, c in conds.items():
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(c["annotation_kinds"].items()))
        correct = c["annotation_answer_correct"]
        lines.append(f"| {name} | {kinds} | {c['teacher_steps_written']:.0f} | {c['student_steps_kept']:.0f} | "
                     f"{'-' if correct is None else f'{correct:.3f}'} | {_ms(c['wall_s'], 0)} |")
    return lines


def write_results(data: dict[str, Any], path: Path, notes: str = "") -> Path:
    conds = data["conditions"]
    lines = ["# ELAD on synthetic arithmetic (earlier bench)", "",
             f"Command: `nice -n 10 {data['command']}` (config `{data['config']}`; seeds {data['seeds']}).", "",
             ("Validation accuracy (mean +- std over seeds) after each round, by examples annotated so far, "
              "and test accuracy at the end:"), ""]
    lines += _curve_table(conds)
    reach = conds.get("elad", {}).get("budget_to_reach_random_final")
    if reach:
        got = f"{reach['budget']:.0f} examples" if reach["budget"] is not None else "not reached within the budget"
        lines += ["", (f"Budget ELAD needs to reach random selection's final validation accuracy "
                       f"({reach['random_final']:.3f} at {reach['random_budget']} examples): **{got}** "
                       "(linear interpolation between rounds of the mean curves).")]
    lines += ["", "![accuracy against budget](elad_budget_curves.png)", "",
              ("How the teacher annotated (revision: kept = the teacher judged every step right; revised = "
               "correct prefix kept, rest rewritten; full = a whole teacher rationale):"), ""]
    lines += _annotation_table(conds)
    if notes:
        lines += ["", notes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/elad_budget_curves.json")
    dst = Path(sys.argv[2] if len(sys.argv) > 2 else "bench/RESULTS-elad-arithmetic.md")
    print(write_results(json.loads(src.read_text()), dst))
