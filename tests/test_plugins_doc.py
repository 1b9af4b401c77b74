"""docs/plugins.md's worked examples, tested as printed: the blocks become a package, pip installs
it, and the pipeline and the command in the doc run with it (issue 12's acceptance)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
BLOCK = re.compile(r"```(?:python|toml|yaml)\n# (\S+)\n(.*?)```", re.DOTALL)
KINDS = {"register_teacher_backends", "register_rationale_strategies", "register_rationale_filters",
         "register_sample_selectors", "register_student_losses", "register_metrics", "register_callbacks",
         "register_commands"}


def doc_files() -> dict[str, str]:
    """path -> text of every block whose first line names a file (the line itself is kept)."""
    return {path: f"# {path}\n{body}" for path, body in BLOCK.findall(DOC.read_text())}


def test_the_doc_has_a_worked_example_for_every_extension_point():
    files = doc_files()
    hooks = files["distillkit_tour/__init__.py"]
    assert {h for h in KINDS if f"def {h}(" in hooks} == KINDS
    assert {"pyproject.toml", "tour.yaml"} <= set(files)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    src, site = tmp_path_factory.mktemp("tour-src"), tmp_path_factory.mktemp("tour-site")
    for path, text in doc_files().items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(text)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(src)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return src, env


def distillkit(env, *args, cwd):
    return subprocess.run([sys.executable, "-m", "distillkit.cli.main", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False)


def test_the_installed_package_registers_every_component_and_its_command(installed):
    src, env = installed
    res = distillkit(env, "plugins", "--json", cwd=src)
    assert res.returncode == 0, res.stderr
    tour = next(row for row in json.loads(res.stdout) if row["name"] == "tour")
    assert tour["distribution"] == "distillkit-tour" and tour["source"] == "entry point"
    assert tour["registers"] == {"callback": ["tour_event_names"], "filter": ["tour_max_words"],
                                 "loss": ["tour_rationale_then_answer"], "metric": ["tour_answered_rate"],
                                 "selector": ["tour_shortest_first"], "strategy": ["tour_one_line"],
                                 "teacher": ["tour_gold"]}
    assert tour["commands"] == ["tour-events"]


def test_the_doc_pipeline_runs_with_every_component_and_the_command_reads_its_output(installed, tmp_path):
    src, env = installed
    run_dir = tmp_path / "run"
    res = distillkit(env, "run", "tour.yaml", "-o", f"output_dir={run_dir}", cwd=src)
    assert res.returncode == 0, res.stderr[-3000:]
    selected_file = run_dir / "rounds" / "00" / "selected.jsonl"
    selected = [json.loads(line) for line in selected_file.read_text().splitlines()]
    lengths = [s["details"]["length"] for s in selected]
    assert len(selected) == 8 and lengths == sorted(lengths)  # the selector ran, shortest first
    state = json.loads((run_dir / "state.json").read_text())
    stats = state["rounds"][0]["annotation"]["gold"]
    assert stats["ok"] == 8 and stats["calls"] == 8  # teacher answered, strategy parsed, filter kept
    assert state["rounds"][0]["views_by_component"] == {"rationale:gold": 8}  # the loss's views
    final = state["final"]["test"]
    assert 0.0 <= final["tour_answered_rate"] <= 1.0 and "accuracy" in final  # both metrics scored
    events = distillkit(env, "tour-events", str(run_dir), cwd=src)
    assert events.returncode == 0, events.stderr
    counts = dict(line.split() for line in events.stdout.splitlines())
    assert counts["run_start"] == "1" and counts["run_end"] == "1" and counts["round_end"] == "1"
