"""The round's public shape (issue 12, points 4 and 6): its phases and events, the one channel by
which a strategy gets the student's output, and the one place the default cache path is decided.

Runs the real runner on torch-free fakes (tests/plugins/fake_pipeline.py): ``fake_grade_student``
is a strategy that is not ELAD but declares ``needs = {STUDENT_OUTPUT}``, shows the student's
output in its prompt and hands it to the teacher in ``request_context``.
"""

import ast
import json
import re
import sqlite3
from pathlib import Path

import pytest

import distillkit
from distillkit.annotation.cache import cache_path
from distillkit.config.load import load_pipeline
from distillkit.registry import build_registry
from distillkit.run.runner import run_pipeline
from distillkit.testing import builtin_modules
from tests.plugins import fake_components, fake_pipeline

ROOT = Path(__file__).resolve().parents[1]
CORE = Path(distillkit.__file__).parent

BASE = """\
name: round-shape
task: {type: fake_counting, size: 12}
teachers:
  - {id: grader, type: fake_oracle, strategy: {type: fake_grade_student}}
  - {id: plain, type: fake_oracle, strategy: {type: fake_last_word}}
selector: {type: fake_kept_output}
student: {type: fake_memo, generalise_after: 3}
loss: {type: fake_teacher_answer}
trainer: {type: fake_memo_trainer}
rounds: {count: 2, budget_per_round: 2}
evaluation: {baseline: false}
"""


@pytest.fixture
def reg():
    fake_pipeline.CALLS.clear()
    fake_pipeline.CONTEXTS.clear()
    return build_registry(entry_points=False, modules=[*builtin_modules(), fake_components, fake_pipeline])


def run(reg, tmp_path):
    p = load_pipeline(None, reg, text=BASE + f"output_dir: {tmp_path / 'run'}\n")
    run_pipeline(p, reg)
    return p, tmp_path / "run"


def events(out):
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def test_a_strategy_that_declares_student_output_gets_it_and_passes_it_on_typed(reg, tmp_path):
    p, out = run(reg, tmp_path)
    rows = (out / "rounds" / "00" / "selected.jsonl").read_text().splitlines()
    selected = [json.loads(line) for line in rows]
    first, second = (row["id"] for row in selected)
    saved = json.loads((out / "rounds" / "00" / "student_outputs.json").read_text())
    # the selector's kept output is used as it is; the other is the student's own (untrained: "?")
    assert saved == {first: f"kept {first}", second: "?"}
    assert selected[0]["student_output"] == f"kept {first}" and "student_output" not in selected[1]
    calls = list(zip(fake_pipeline.CALLS, fake_pipeline.CONTEXTS))
    graded = [(prompt, ctx) for prompt, ctx in calls if "said:" in prompt]
    assert len(graded) == 4 and all(prompt.endswith(f"said: {ctx['said']}") for prompt, ctx in graded)
    assert {ctx["said"] for _, ctx in graded[:2]} == set(saved.values())
    plain = [ctx for prompt, ctx in calls if "said:" not in prompt]
    assert plain == [{}] * 4  # a strategy that needs nothing is given nothing
    assert p.teachers[1].strategy.ctx.student_outputs == {}
    with sqlite3.connect(out / "teacher_cache.sqlite") as db:  # the strategy's declared label, stored
        purposes = dict(db.execute("SELECT teacher_id, purpose FROM answers GROUP BY teacher_id").fetchall())
    assert purposes == {"grader": "grading", "plain": "rationale"}


def test_no_student_output_is_made_when_no_strategy_needs_it(reg, tmp_path):
    text = BASE.replace("fake_grade_student", "fake_last_word") + f"output_dir: {tmp_path / 'run'}\n"
    run_pipeline(load_pipeline(None, reg, text=text), reg)
    assert not list((tmp_path / "run" / "rounds").glob("*/student_outputs.json"))


def test_a_round_emits_its_phases_in_order(reg, tmp_path):
    _, out = run(reg, tmp_path)
    names = [e["event"] for e in events(out)]
    one_round = ["round_start", "selected", "annotation_start", "annotation_end", "annotation_start",
                 "annotation_end", "annotated", "train_log", "trained", "evaluated", "round_end"]
    assert names == ["run_start", *one_round, *one_round, "run_end"]
    by_name = {e["event"]: e for e in events(out) if e.get("round") == 1}
    assert by_name["round_start"]["replay"] is False and by_name["selected"]["selected"] == 2
    assert by_name["trained"]["views"] == 8 and by_name["trained"]["steps"] == 1
    assert by_name["evaluated"]["split"] == "validation" and "samples" not in by_name["evaluated"]["metrics"]


def test_a_resumed_run_replays_finished_rounds_and_shows_the_teacher_the_same_output(reg, tmp_path):
    fake_pipeline.CRASH_IN_ROUND["round"] = 1
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            run(reg, tmp_path)
    finally:
        fake_pipeline.CRASH_IN_ROUND["round"] = None
    paid = len(fake_pipeline.CALLS)
    _, out = run(reg, tmp_path)
    assert len(fake_pipeline.CALLS) == paid  # round 1's prompts were rebuilt from the saved outputs
    starts = [e for e in events(out) if e["event"] == "round_start"]
    assert [(e["round"], e["replay"]) for e in starts] == [(0, False), (1, False), (0, True), (1, False)]


def _emitted_by_the_core() -> set[str]:
    names = set()
    for f in CORE.rglob("*.py"):
        names |= set(re.findall(r"\b(?:events|emit)\(\s*\"(\w+)\"", f.read_text()))
    return names


def test_every_run_event_is_documented_with_its_payload():
    emitted = _emitted_by_the_core()
    assert {"run_start", "round_start", "selected", "annotated", "trained", "evaluated", "round_end",
            "budget_spent", "annotation_start", "run_end"} <= emitted
    doc = (ROOT / "docs" / "plugins.md").read_text()
    table = doc[doc.index("## Run events"):]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE))
    assert emitted | {"train_log"} <= documented, sorted(emitted - documented)


def test_the_default_cache_path_is_decided_in_one_place():
    assert cache_path(None, "runs/x") == Path("runs/x/teacher_cache.sqlite")
    assert cache_path("shared/answers.sqlite", "runs/x") == Path("shared/answers.sqlite")
    code = [*CORE.rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]
    # a string that is the file name or a path to it (prose that mentions it has spaces)
    path_like = re.compile(r"[\w./{}<>-]*teacher_cache\.sqlite")
    where = sorted({str(f.relative_to(ROOT)) for f in code for n in ast.walk(ast.parse(f.read_text()))
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                    and path_like.fullmatch(n.value)})
    assert where == ["distillkit/annotation/cache.py"]
