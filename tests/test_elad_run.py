"""Full tiny ELAD runs through the real runner (torch-free fakes for the student, loss and trainer).

The task (synthetic_arithmetic), the teacher (synthetic_solver), the selectors, the
teacher_revision strategy and the runner are the real ones; the student is a fake that writes
arithmetic explanations with slips and memorises what it is trained on.
"""

import json
import sqlite3
import textwrap

import pytest
from click.testing import CliRunner
from distillkit_plugins.elad import register_commands
from distillkit_plugins.elad.report import summarize_run, write_report

from distillkit.cli.main import cli
from distillkit.config.load import load_pipeline
from distillkit.registry import build_registry
from distillkit.run.runner import run_pipeline
from distillkit.testing import builtin_modules
from tests.plugins import elad_fakes, fake_pipeline

BASE = """\
name: elad-tiny
task: {type: synthetic_arithmetic, train_size: 30, validation_size: 8, test_size: 8}
teachers:
  - id: solver
    type: synthetic_solver
    strategy: {type: teacher_revision}
student: {type: elad_fake_reasoner}
loss: {type: elad_fake_cot}
trainer: {type: fake_memo_trainer}
"""


@pytest.fixture
def reg():
    return build_registry(entry_points=False, modules=[*builtin_modules(), fake_pipeline, elad_fakes])


def run(reg, tmp_path, extra="rounds: {count: 3, budget_per_round: 4}\n", overrides=(),
        selector="{type: elad, num_samples: 3}"):
    text = BASE + f"selector: {selector}\noutput_dir: {tmp_path / 'run'}\n" + textwrap.dedent(extra)
    p = load_pipeline(None, reg, list(overrides), text=text)
    run_pipeline(p, reg)
    return tmp_path / "run"


def state(out):
    return json.loads((out / "state.json").read_text())


def selected(out, r):
    return [json.loads(line) for line in (out / "rounds" / f"{r:02d}" / "selected.jsonl").read_text().splitlines()]


def test_elad_rounds_select_by_uncertainty_revise_and_train(reg, tmp_path):
    out = run(reg, tmp_path)
    s = state(out)
    assert [r["labeled_total"] for r in s["rounds"]] == [4, 8, 12] and s["teacher_calls"] == 12
    ids = [row["id"] for r in range(3) for row in selected(out, r)]
    assert len(set(ids)) == 12  # an annotated item never comes back
    rows = selected(out, 0)
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)
    for row in rows:
        assert {"u_intra", "u_inter", "early_answers", "sampled_answers"} <= set(row["details"])
    # the explanation the selector scored is the one the teacher revised
    outputs = json.loads((out / "rounds" / "00" / "student_outputs.json").read_text())
    assert outputs == {row["id"]: row["student_output"] for row in rows} and all(outputs.values())
    assert all(r["annotation"]["solver"]["parse_errors"] == 0 for r in s["rounds"])
    memory = json.loads((out / "rounds" / "00" / "student" / "memory.json").read_text())
    gold = {e.id: e for e in reg.create("task", "synthetic_arithmetic", train_size=30, validation_size=8,
                                        test_size=8).load().train}
    targets = sorted(memory.values())
    assert targets == sorted(f"{gold[i].rationale}\nSo the answer is {gold[i].answer}." for i in ids[:4])


def test_the_report_counts_revisions_and_shows_why_items_were_picked(reg, tmp_path):
    out = run(reg, tmp_path)
    summary = summarize_run(out)
    kinds = [r["annotation"]["kinds"] for r in summary["rounds"]]
    assert sum(sum(k.values()) for k in kinds) == 12 and sum(k.get("revised", 0) for k in kinds) > 0
    assert set().union(*kinds) <= {"kept", "revised", "full"}
    rounds = summary["rounds"]
    assert sum(r["annotation"]["student_steps_kept"] for r in rounds) > 0
    assert all(len(r["annotation"]["answers"]) == 4 for r in rounds)
    assert summary["label"] == "elad + teacher_revision" and summary["rounds"][2]["labeled"] == 12
    assert summary["rounds"][0]["selected"][0]["score"] == selected(out, 0)[0]["score"]
    md = write_report([out], tmp_path / "report")
    text = md.read_text()
    assert "elad + teacher_revision" in text and "u_intra=" in text
    assert (tmp_path / "report" / "accuracy_vs_budget.png").stat().st_size > 0
    data = json.loads((tmp_path / "report" / "elad_report.json").read_text())
    assert [p["labeled"] for p in data["curves"]["elad + teacher_revision"]] == [4, 8, 12]


def test_total_budget_and_teacher_call_caps_stop_the_run(reg, tmp_path):
    out = run(reg, tmp_path, "rounds: {count: 5, budget_per_round: 4, total_budget: 10}\n")
    assert [r["labeled_total"] for r in state(out)["rounds"]] == [4, 8, 10]
    capped = run(reg, tmp_path / "capped", "rounds: {count: 5, budget_per_round: 4, max_teacher_calls: 6}\n")
    assert state(capped)["teacher_calls"] == 6 and len(state(capped)["rounds"]) == 2


def crash_in_training(reg, tmp_path, extra, round_idx):
    """Run until the trainer of round ``round_idx`` dies (after that round's teacher calls were paid)."""
    fake_pipeline.CRASH_IN_ROUND["round"] = round_idx
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            run(reg, tmp_path, extra)
    finally:
        fake_pipeline.CRASH_IN_ROUND["round"] = None


def test_a_run_killed_in_a_round_resumes_without_paying_again(reg, tmp_path):
    extra = "rounds: {count: 3, budget_per_round: 4}\n"
    crash_in_training(reg, tmp_path, extra, round_idx=1)
    before = selected(tmp_path / "run", 1)
    out = run(reg, tmp_path, extra)
    s = state(out)
    assert [r["labeled_total"] for r in s["rounds"]] == [4, 8, 12] and s["teacher_calls"] == 12
    assert s["rounds"][1]["annotation"]["solver"]["calls"] == 0  # round 1's answers came from the cache
    assert s["rounds"][1]["annotation"]["solver"]["cache_hits"] == 4
    assert selected(out, 1) == before


@pytest.mark.parametrize("selector", ["random", "answer_entropy", "self_consistency"])
def test_baselines_with_revision_get_student_explanations_from_the_runner(reg, tmp_path, selector):
    out = run(reg, tmp_path, "rounds: {count: 2, budget_per_round: 3}\n", selector=f"{{type: {selector}}}")
    s = state(out)
    assert s["teacher_calls"] == 6 and all(r["annotation"]["solver"]["ok"] == 3 for r in s["rounds"])


def test_full_rationale_annotation_for_comparison(reg, tmp_path):
    out = run(reg, tmp_path, "rounds: {count: 2, budget_per_round: 3}\n", overrides=["teachers[0].strategy.type=cot"])
    summary = summarize_run(out)
    assert summary["label"] == "elad + cot" and state(out)["teacher_calls"] == 6
    for r in summary["rounds"]:  # every cot annotation is a full rationale the teacher wrote
        assert r["annotation"]["kinds"] == {"full": 3} and r["annotation"]["student_steps_kept"] == 0
        assert r["annotation"]["teacher_steps_written"] >= 3 * 2


def test_elad_report_command(reg, tmp_path):
    out = run(reg, tmp_path, "rounds: {count: 2, budget_per_round: 2}\n")
    register_commands(cli=cli)
    result = CliRunner().invoke(cli, ["elad-report", str(out), "--out", str(tmp_path / "rep")], obj={"registry": reg})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rep" / "elad_report.md").exists()
    missing = CliRunner().invoke(cli, ["elad-report", str(tmp_path), "--out", str(tmp_path / "rep2")],
                                 obj={"registry": reg})
    assert missing.exit_code == 2 and "state.json: not found" in missing.output


def test_a_round_that_spent_the_last_calls_still_trains_after_a_crash(reg, tmp_path):
    extra = "rounds: {count: 3, budget_per_round: 4, max_teacher_calls: 8}\n"
    crash_in_training(reg, tmp_path, extra, round_idx=1)
    assert state(tmp_path / "run")["teacher_calls"] == 8  # counted when paid, before the crash
    s = state(run(reg, tmp_path, extra))
    assert [r["labeled_total"] for r in s["rounds"]] == [4, 8] and s["teacher_calls"] == 8


def test_a_round_whose_annotations_all_failed_is_evaluated_without_training(reg, tmp_path):
    out = run(reg, tmp_path, "rounds: {count: 2, budget_per_round: 3}\n",
              overrides=["teachers[0].strategy.fallback_to_full_rationale=false", "teachers[0].answer_phrase=Result",
                         "teachers[0].strategy.keep_correct_student_explanation=false"])
    s = state(out)
    assert [r["annotation"]["solver"]["parse_errors"] for r in s["rounds"]] == [3, 3]
    assert [r["train"]["steps"] for r in s["rounds"]] == [0, 0] and s["final"] is not None


def _crash_in_round_2(reg, tmp_path, extra):
    """Run with a random selector until the simulated crash in round 2 (rounds 0 and 1 finish)."""
    fake_pipeline.CRASH_IN_ROUND["round"] = 2
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            run(reg, tmp_path, extra, selector="{type: random}")
    finally:
        fake_pipeline.CRASH_IN_ROUND["round"] = None


def test_resume_shows_the_teacher_the_same_explanations_when_the_selector_kept_none(reg, tmp_path):
    extra = "rounds: {count: 3, budget_per_round: 4}\n"
    _crash_in_round_2(reg, tmp_path, extra)
    s = state(run(reg, tmp_path, extra, selector="{type: random}"))
    assert [r["annotation"]["solver"]["calls"] for r in s["rounds"]] == [4, 4, 0]  # round 2: all from the cache
    assert s["teacher_calls"] == 12
    with sqlite3.connect(tmp_path / "run" / "teacher_cache.sqlite") as db:  # replayed rounds 0-1 paid nothing
        assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 12
    assert (tmp_path / "run" / "rounds" / "00" / "student_outputs.json").exists()


def test_a_round_begun_by_an_older_version_shows_the_teacher_its_saved_explanations(reg, tmp_path):
    """Run folders written before strategies declared ``needs`` saved rounds/NN/student_explanations.json."""
    extra = "rounds: {count: 3, budget_per_round: 4}\n"
    _crash_in_round_2(reg, tmp_path, extra)
    rdir = tmp_path / "run" / "rounds" / "02"
    ids = list(json.loads((rdir / "student_outputs.json").read_text()))
    (rdir / "student_outputs.json").unlink()
    (rdir / "student_explanations.json").write_text(json.dumps({i: "7 + 1 = 8\nSo the answer is 8." for i in ids}))
    s = state(run(reg, tmp_path, extra, selector="{type: random}"))
    assert s["rounds"][2]["annotation"]["solver"]["calls"] == 4  # new text, new prompts
    with sqlite3.connect(tmp_path / "run" / "teacher_cache.sqlite") as db:
        rows = db.execute("SELECT example_id, prompt, purpose FROM answers WHERE prompt LIKE '%7 + 1 = 8%'").fetchall()
    assert sorted(r[0] for r in rows) == sorted(ids) and {r[2] for r in rows} == {"revision"}
