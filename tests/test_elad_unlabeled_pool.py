"""ELAD's pool is unlabeled: the default pipeline runs without ever reading a pool item's gold answer.

The pool items here raise when their ``answer`` is read, so any read (training target, report,
selector, teacher) fails the run. Validation and test keep their gold: evaluation needs it.
"""

import json
from dataclasses import dataclass

import pytest
from distillkit_plugins.elad.report import summarize_run

from distillkit.config.load import load_pipeline
from distillkit.registry import build_registry
from distillkit.run.runner import run_pipeline
from distillkit.testing import builtin_modules
from distillkit.types import Example, Splits
from tests.plugins import elad_fakes, fake_pipeline

CONFIG = """\
name: elad-unlabeled
task: {type: synthetic_arithmetic, train_size: 20, validation_size: 6, test_size: 6}
teachers:
  - {id: solver, type: synthetic_solver, error_rate: 0.3, strategy: {type: teacher_revision}}
selector: {type: elad, num_samples: 3}
student: {type: elad_fake_reasoner}
loss: {type: cot_sft}
trainer: {type: fake_memo_trainer}
rounds: {count: 2, budget_per_round: 5}
"""


class GoldRead(AssertionError):
    pass


@dataclass(frozen=True, eq=False)
class UnlabeledExample(Example):
    """A pool item without a label: reading its gold answer is a leak."""

    def __getattribute__(self, name):
        if name == "answer":
            raise GoldRead(f"the gold answer of pool item {object.__getattribute__(self, 'id')} was read")
        return object.__getattribute__(self, name)

    __hash__ = object.__hash__


def unlabeled(example: Example) -> UnlabeledExample:
    return UnlabeledExample(example.id, example.question, "", example.choices, None, example.context,
                            example.meta)


def run(tmp_path, overrides=()):
    reg = build_registry(entry_points=False, modules=[*builtin_modules(), fake_pipeline, elad_fakes])
    p = load_pipeline(None, reg, [f"output_dir={tmp_path / 'run'}", *overrides], text=CONFIG)
    splits = p.task.load()
    pool = [unlabeled(e) for e in splits.train]
    object.__setattr__(p.task, "load", lambda: Splits(pool, splits.validation, splits.test))
    run_pipeline(p, reg)
    return tmp_path / "run", splits


def test_the_poisoned_item_raises_on_a_gold_read():
    item = unlabeled(Example("e1", "Start with 3. Add 4. What is the result?", "7"))
    with pytest.raises(GoldRead):
        _ = item.answer
    assert item.question.startswith("Start")


def test_default_elad_pipeline_never_reads_pool_gold_and_trains_on_teacher_answers(tmp_path):
    out, splits = run(tmp_path)
    state = json.loads((out / "state.json").read_text())
    assert [r["selected"] for r in state["rounds"]] == [5, 5] and state["final"]["test"]["n"] == 6
    memory = json.loads((out / "student" / "memory.json").read_text())
    gold = {e.id: e.answer for e in splits.train}
    summary = summarize_run(out)
    assert summary["target_answer"] == "teacher (loss cot_sft)"  # the ELAD report says which answers trained
    answers = {i: a for r in summary["rounds"] for i, a in r["annotation"]["answers"].items()}
    question = {e.id: e.question for e in splits.train}
    trained = {i: t.rsplit("So the answer is ", 1)[1] for i in answers for p, t in memory.items()
               if question[i] in p}
    assert trained == {i: a for i, a in answers.items() if a is not None}
    # the noisy teacher is wrong somewhere, and the student learned its answer there, not the gold
    assert any(a != gold[i] for i, a in trained.items()), "no teacher mistake: cannot tell teacher from gold"
    assert "not read, unlabeled pool" in (out / "report.md").read_text()


def test_gold_targets_are_an_explicit_option_and_read_the_pool_gold(tmp_path):
    with pytest.raises(GoldRead):
        run(tmp_path, ["loss.target_answer=gold"])
