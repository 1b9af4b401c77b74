"""The round loop on torch-free fakes: annotation, training, evaluation, budgets and resume."""

import json
import textwrap

import pytest

from distillkit.config.load import load_pipeline
from distillkit.registry import build_registry
from distillkit.run.resume_guard import RunFolderInUse
from distillkit.run.runner import run_pipeline
from distillkit.testing import builtin_modules
from tests.plugins import fake_components, fake_pipeline

BASE = """\
name: fake-loop
task: {type: fake_counting, size: 12}
teachers:
  - id: oracle
    type: fake_oracle
    strategy: {type: fake_last_word}
student: {type: fake_memo, generalise_after: 3}
loss: {type: fake_teacher_answer}
trainer: {type: fake_memo_trainer}
evaluation: {teachers: true}
"""


@pytest.fixture
def reg():
    fake_pipeline.CALLS.clear()
    return build_registry(entry_points=False, modules=[*builtin_modules(), fake_components, fake_pipeline])


def run(reg, tmp_path, extra="", overrides=()):
    text = BASE + f"output_dir: {tmp_path / 'run'}\n" + textwrap.dedent(extra)
    p = load_pipeline(None, reg, list(overrides), text=text)
    return run_pipeline(p, reg), tmp_path / "run"


def test_single_round_annotates_everything_and_student_improves(reg, tmp_path):
    summary, out = run(reg, tmp_path)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["baseline_test"]["accuracy"] == 0.0
    assert metrics["final"]["test"]["accuracy"] == 1.0
    assert metrics["rounds"][0]["selected"] == 4  # the train split of 12 items
    assert metrics["teachers_test"]["oracle"]["accuracy"] == 1.0
    train_calls = [c for c in fake_pipeline.CALLS if c.startswith("Q:")]
    assert len(train_calls) == 4 + 4  # 4 train items + 4 test items for the teacher's own score
    for name in ("config.resolved.yaml", "versions.json", "report.md", "events.jsonl", "state.json",
                 "teacher_cache.sqlite", "student/memory.json", "student/README.md"):
        assert (out / name).exists(), name
    assert "student after distillation" in (out / "report.md").read_text()
    assert summary["run_dir"] == str(out)


def test_budgeted_rounds_stop_when_the_pool_or_budget_is_spent(reg, tmp_path):
    _, out = run(reg, tmp_path, "rounds: {count: 5, budget_per_round: 1, total_budget: 3}\n")
    state = json.loads((out / "state.json").read_text())
    assert [r["labeled_total"] for r in state["rounds"]] == [1, 2, 3]
    assert state["teacher_calls"] == 3
    assert (out / "plots" / "accuracy_vs_budget.png").exists()
    selected = [json.loads(line) for line in (out / "rounds" / "00" / "selected.jsonl").read_text().splitlines()]
    assert len(selected) == 1


def test_max_teacher_calls_caps_the_run(reg, tmp_path):
    _, out = run(reg, tmp_path, "rounds: {count: 4, budget_per_round: 2, max_teacher_calls: 3}\n",
                 overrides=["evaluation.teachers=false"])
    state = json.loads((out / "state.json").read_text())
    assert state["teacher_calls"] == 3
    assert sum(1 for c in fake_pipeline.CALLS) == 3


def test_crash_then_resume_repeats_no_paid_call_and_no_finished_round(reg, tmp_path):
    extra = "rounds: {count: 3, budget_per_round: 2}\n"
    fake_pipeline.CRASH_IN_ROUND["round"] = 1
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            run(reg, tmp_path, extra, overrides=["task.size=18", "evaluation.teachers=false"])
    finally:
        fake_pipeline.CRASH_IN_ROUND["round"] = None
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert len(state["rounds"]) == 1
    assert len(fake_pipeline.CALLS) == 4  # rounds 0 and 1 were annotated before the crash
    selected_1 = (tmp_path / "run" / "rounds" / "01" / "selected.jsonl").read_text()
    run(reg, tmp_path, extra, overrides=["task.size=18", "evaluation.teachers=false"])
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert [r["labeled_total"] for r in state["rounds"]] == [2, 4, 6]
    assert len(fake_pipeline.CALLS) == 6  # only round 2's two items were new
    assert (tmp_path / "run" / "rounds" / "01" / "selected.jsonl").read_text() == selected_1


def test_a_changed_config_does_not_resume_into_the_same_folder(reg, tmp_path):
    run(reg, tmp_path)
    with pytest.raises(RunFolderInUse, match=r"changed: seed"):
        run(reg, tmp_path, overrides=["seed=3"])


def test_transient_teacher_failures_are_retried(reg, tmp_path):
    _, out = run(reg, tmp_path, overrides=["teachers[0].fail_first=2", "teachers[0].backoff_s=0"])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["rounds"][0]["annotation"]["oracle"]["calls"] >= 4
    assert metrics["final"]["test"]["accuracy"] == 1.0
