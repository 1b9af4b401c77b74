"""Text-level losses (views, weights, prompts) and the per-view loss math against a naive reference."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from distillkit_plugins.hf.tiny import TINY_LLAMA, TINY_T5, tiny_student
from distillkit_plugins.tinyllm.multitask_rationale import MultitaskRationale
from distillkit_plugins.training.answer_only import AnswerOnly
from distillkit_plugins.training.collate import collate, pack_rows
from distillkit_plugins.training.cot_sft import CotSFT
from distillkit_plugins.training.encode import EncodedView, encode_views
from distillkit_plugins.training.toy import annotations, toy_loss, toy_task
from distillkit_plugins.training.view_loss import (
    accepts_logits_to_keep,
    batch_loss,
    component_means,
    present_means,
    scored_logits,
    token_ce,
    view_means,
)
from pydantic import ValidationError

from distillkit.types import Annotation

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def task_and_examples():
    task = toy_task(6)
    return task, task.load().train


def test_multitask_views_one_per_usable_teacher_and_counts_the_rest(task_and_examples):
    task, (ex, *_) = task_and_examples
    loss = MultitaskRationale(answer_weight=0.5, rationales=[
        {"teacher": "a", "prefix": "explain: ", "weight": 2.0}, {"teacher": "b", "prefix": "rationale: "},
        {"teacher": "c", "prefix": "why: "}])
    anns = {"a": Annotation(ex.id, "a", "p", "r", "because A", "x", "ok"),
            "b": Annotation(ex.id, "b", "p", "r", None, None, "parse_error", reason="no answer")}
    views = loss.views(ex, anns, task)
    assert [v.component for v in views] == ["answer", "rationale:a"]
    assert views[0].prompt == loss.inference_prompt(ex, task)
    assert views[0].prompt.startswith("predict: " + task.student_input(ex))
    assert views[0].target == " " + ex.answer
    assert views[1].prompt.startswith("explain: ") and views[1].target == " because A"
    assert loss.skipped == {"b:parse_error": 1, "c:missing": 1}
    assert loss.weights() == {"answer": 0.5, "rationale:a": 2.0, "rationale:b": 1.0, "rationale:c": 1.0}
    assert loss.teacher_ids() == ["a", "b", "c"]


@pytest.mark.parametrize("bad", [
    {"rationales": []},
    {"rationales": [{"teacher": "a"}, {"teacher": "a", "prefix": "why: "}]},
    {"rationales": [{"teacher": "a", "prefix": "predict: "}]},
    {"rationales": [{"teacher": "a", "weight": -1}]},
    {"rationales": [{"teacher": "a", "alpha": 2}]},
])
def test_multitask_rejects_bad_options(bad):
    with pytest.raises(ValidationError):
        MultitaskRationale(**bad)


PIPELINE = """
name: t
task: {type: synthetic_arithmetic, train_size: 4}
teachers: [{id: solver, type: synthetic_solver}]
student: {type: hf, config: {model_type: llama, hidden_size: 32}}
loss: {type: multitask_rationale, rationales: %s}
trainer: {type: accelerate, max_steps: 3, batch_size: 2}
"""


def test_loss_teacher_ids_are_validated_with_the_pipeline(registry):
    from distillkit.config.load import load_pipeline
    from distillkit.errors import ConfigError

    ok = load_pipeline(None, registry, text=PIPELINE % "[{teacher: solver}]")
    assert ok.loss.teacher_ids() == ["solver"] and ok.trainer.options.max_steps == 3
    with pytest.raises(ConfigError) as err:
        load_pipeline(None, registry, text=PIPELINE % "[{teacher: solver}, {teacher: solvr, prefix: 'why: '}]")
    assert "loss" in err.value.render() and "'solvr'" in err.value.render()


def test_cot_sft_target_template_and_teacher_choice(task_and_examples):
    task, (ex, *_) = task_and_examples
    anns = annotations(ex)
    one = CotSFT(teacher="steps")
    (view,) = one.views(ex, anns, task)
    assert view.target == f"{ex.rationale.strip()}\nSo the answer is {ex.answer}"
    assert view.prompt == one.inference_prompt(ex, task) and view.prompt.endswith("step by step.\n")
    assert CotSFT.student_reasons and one.teacher_ids() == ["steps"]
    every = CotSFT(template="{rationale} => {answer}")
    assert [v.component for v in every.views(ex, anns, task)] == ["cot:steps", "cot:words"]
    assert every.views(ex, {}, task) == [] and every.teacher_ids() == []
    with pytest.raises(ValidationError, match="rationale"):
        CotSFT(template="{answer} only")


def test_answer_only_needs_no_teacher(task_and_examples):
    task, (ex, *_) = task_and_examples
    (view,) = AnswerOnly().views(ex, {}, task)
    assert (view.component, view.target) == ("answer", " " + ex.answer)
    assert AnswerOnly().teacher_ids() == [] and AnswerOnly().weights() == {"answer": 1.0}


# -- the loss math ---------------------------------------------------------------------------

def _naive_view_ce(model, view: EncodedView, seq2seq: bool) -> float:
    """Token-mean CE of one view, the obvious way: one sequence at a time, HF's own shifting."""
    with torch.no_grad():
        if seq2seq:
            return float(model(input_ids=torch.tensor([view.prompt]), labels=torch.tensor([view.target])).loss)
        ids = torch.tensor([view.prompt + view.target])
        labels = torch.tensor([[-100] * len(view.prompt) + view.target])
        return float(model(input_ids=ids, labels=labels).loss)


def _views(student, loss):
    task = toy_task(3)
    views = [v for e in task.load().train for v in loss.views(e, annotations(e), task)]
    return encode_views(student, views, max_length=512)


@pytest.mark.parametrize("config,layouts", [(TINY_LLAMA, ["pack", "pad"]), (TINY_T5, ["seq2seq", "seq2seq-one-part"])])
def test_one_pass_loss_equals_naive_reference(config, layouts):
    student = tiny_student(config)
    seq2seq = student.is_encoder_decoder
    loss = MultitaskRationale(answer_weight=0.7, rationales=[
        {"teacher": "steps", "prefix": "explain: ", "weight": 2.0}, {"teacher": "words", "prefix": "rationale: "}])
    data = _views(student, loss)
    data.views[1].weight = 3.0  # View.weight weighs views within a component
    per_view = [_naive_view_ce(student.model, v, seq2seq) for v in data.views]
    expected = {}
    for c, name in enumerate(data.components):
        members = [(v.weight, ce) for v, ce in zip(data.views, per_view) if v.component == c]
        expected[name] = sum(w * ce for w, ce in members) / sum(w for w, _ in members)
    want_total = sum(loss.weights()[n] * expected[n] for n in expected)
    keep = accepts_logits_to_keep(student.model) and not seq2seq
    student.model.eval()
    for layout in layouts:
        one_part = layout == "seq2seq-one-part"  # the ungrouped seq2seq path (one forward, padded)
        batch = collate(data.views, layout="seq2seq" if one_part else layout, pad_id=student.tokenizer.pad_token_id,
                        row_length=128, decoder_start_id=getattr(student.model.config, "decoder_start_token_id", None),
                        group_by_target_length=not one_part)
        if layout == "seq2seq":
            assert batch.parts is not None and len(batch.parts) > 1  # answers and rationales are apart
        with torch.no_grad():
            logits = scored_logits(student.model, batch, keep_supported=keep)
            means, present = component_means(*view_means(token_ce(logits, batch), batch), batch,
                                             len(data.components))
            total = batch_loss(loss, present_means(means, present, data.components), logits)
        got = {n: float(means[i]) for i, n in enumerate(data.components)}
        assert got == pytest.approx(expected, rel=1e-5), layout
        assert float(total) == pytest.approx(want_total, rel=1e-5), layout


def test_views_without_scored_tokens_are_absent_not_nan():
    student = tiny_student()
    loss = toy_loss()
    empty = EncodedView([5, 6, 7], [], 1, 1.0)  # a rationale view with nothing left to score
    full = EncodedView([5, 6, 7], [8, 9], 0, 1.0)
    for views, want_present in (([empty, full], [True, False]), ([empty], [False, False])):
        batch = collate(views, layout="pack", pad_id=0, row_length=64)
        logits = scored_logits(student.model, batch, keep_supported=True)
        means, present = component_means(*view_means(token_ce(logits, batch), batch), batch, 2)
        total = batch_loss(loss, present_means(means, present, ["answer", "rationale:steps"]), logits)
        assert present.tolist() == want_present
        assert torch.isfinite(means).all() and torch.isfinite(total)
        total.backward()
        assert all(torch.isfinite(p.grad).all() for p in student.model.parameters() if p.grad is not None)
    assert float(total.detach()) == 0.0


def test_component_means_match_hand_computed_values():
    from distillkit_plugins.training.collate import Batch

    # 3 views: component 0 gets views 0 and 2 (weights 1 and 3), component 1 gets view 1
    labels = torch.tensor([0, 1, 1, 0, 1])
    token_view = torch.tensor([0, 0, 1, 2, 2])
    logits = torch.randn(5, 2)
    batch = Batch(input_ids=torch.zeros(1, 1), keep=torch.ones(1, 5, dtype=torch.bool), labels=labels,
                  token_view=token_view, view_component=torch.tensor([0, 1, 0]),
                  view_weight=torch.tensor([1.0, 1.0, 3.0]), real_tokens=5)
    ce = F.cross_entropy(logits, labels, reduction="none").tolist()
    v0, v1, v2 = (ce[0] + ce[1]) / 2, ce[2], (ce[3] + ce[4]) / 2
    means, present = component_means(*view_means(token_ce(logits, batch), batch), batch, 3)
    assert means[:2].tolist() == pytest.approx([(v0 + 3 * v2) / 4, v1], rel=1e-6)
    assert present.tolist() == [True, True, False] and not math.isnan(float(means[2]))


def test_pack_rows_places_every_view_once_within_capacity():
    lengths = [7, 3, 9, 1, 4, 4, 8, 2]
    rows = pack_rows(lengths, 10)
    assert sorted(i for r in rows for i in r) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in r) <= 10 for r in rows)
    assert len(rows) == math.ceil(sum(lengths) / 10)  # this input packs perfectly


def test_encode_views_truncates_targets_and_drops_prompts_that_fill_max_length():
    from distillkit.types import View

    student = tiny_student()
    views = [View("a", "short", " ok", "answer"), View("b", "x" * 20, " " + "y" * 50, "answer"),
             View("c", "z" * 40, " never", "answer")]
    data = encode_views(student, views, max_length=32)
    assert data.stats == {"views": 2, "truncated": 1, "dropped": 1}
    assert data.views[0].target[-1] == student.tokenizer.eos_token_id
    assert data.views[1].length == 32 and data.groups == [[0], [1]]
