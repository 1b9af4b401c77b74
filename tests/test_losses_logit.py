"""Logit distillation: divergences against a naive reference, the vocabulary check, and training
with precomputed teacher top-k log-probs (teacher released before the first step)."""

from __future__ import annotations

import gc
import math

import pytest
import torch
from distillkit_plugins.hf.tiny import TINY_LLAMA, tiny_student
from distillkit_plugins.training.divergences import divergence
from distillkit_plugins.training.logit_kd import LogitKD
from distillkit_plugins.training.toy import annotations, toy_task
from distillkit_plugins.training.trainer import AccelerateTrainer

from distillkit.components import TrainJob
from distillkit.errors import DistillkitError

pytestmark = pytest.mark.usefixtures("one_thread")

KINDS = ["forward_kl", "reverse_kl", "jsd", "tvd"]


def _naive(student_logits, ids, teacher_lps, kind, beta, temperature):
    """The same definition written out one token and one bin at a time."""
    out = []
    for row, tid, tlp in zip(student_logits.tolist(), ids.tolist(), teacher_lps.tolist()):
        z = max(row)
        log_norm = z + math.log(sum(math.exp(x - z) for x in row))
        s = [math.exp(row[i] - log_norm) for i in tid]
        t = [math.exp(x) for x in tlp]
        p = t + [max(1 - sum(t), 1e-6)]
        q = s + [max(1 - sum(s), 1e-6)]
        if temperature != 1.0:
            p = [x ** (1 / temperature) for x in p]
            q = [x ** (1 / temperature) for x in q]
            p, q = [x / sum(p) for x in p], [x / sum(q) for x in q]

        def kl(a, b):
            return sum(x * math.log(x / y) for x, y in zip(a, b))

        if kind == "forward_kl":
            out.append(kl(p, q))
        elif kind == "reverse_kl":
            out.append(kl(q, p))
        elif kind == "jsd":
            m = [beta * x + (1 - beta) * y for x, y in zip(p, q)]
            out.append(beta * kl(p, m) + (1 - beta) * kl(q, m))
        else:
            out.append(0.5 * sum(abs(x - y) for x, y in zip(p, q)))
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("temperature,beta", [(1.0, 0.5), (2.0, 0.3)])
def test_divergences_match_the_naive_definition(kind, temperature, beta):
    gen = torch.Generator().manual_seed(0)
    student = torch.randn(6, 50, generator=gen) * 2
    teacher_full = torch.log_softmax(torch.randn(6, 50, generator=gen) * 2, -1)
    top = teacher_full.topk(5, dim=-1)
    got = divergence(student, top.indices, top.values, kind=kind, beta=beta, temperature=temperature)
    want = _naive(student, top.indices, top.values, kind, beta, temperature)
    assert got.tolist() == pytest.approx(want, rel=1e-4, abs=1e-6)
    assert (got >= -1e-6).all()


@pytest.mark.parametrize("kind", KINDS)
def test_divergence_is_zero_when_student_equals_teacher_and_safe_when_empty(kind):
    logits = torch.randn(4, 30)
    top = torch.log_softmax(logits, -1).topk(30, dim=-1)  # the whole distribution: the rest bin is empty
    assert divergence(logits, top.indices, top.values, kind=kind).abs().max() < 1e-4
    empty = divergence(torch.zeros(0, 30, requires_grad=True), torch.zeros(0, 5, dtype=torch.long),
                       torch.zeros(0, 5), kind=kind)
    assert empty.shape == (0,)
    x = torch.randn(3, 30, requires_grad=True)
    top = torch.log_softmax(torch.randn(3, 30), -1).topk(4, dim=-1)
    divergence(x, top.indices, top.values, kind=kind).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_a_teacher_with_another_tokenizer_is_a_clear_error_before_step_1(tmp_path):
    from distillkit_plugins.hf.teacher import HFTeacher

    tiny_student(tokenizer="words").save(tmp_path / "words_teacher")
    task = toy_task(4)
    loss = LogitKD(teacher="steps", top_k=4)
    views = [v for e in task.load().train for v in loss.views(e, annotations(e), task)]
    loss.bind_teachers({"steps": HFTeacher(model=str(tmp_path / "words_teacher"))})
    trainer = AccelerateTrainer(max_steps=1, batch_size=2, progress=False, save_every=None)
    with pytest.raises(DistillkitError, match="tokenized the target differently") as err:
        trainer.train(TrainJob(student=tiny_student(), loss=loss, views=views, evaluate=dict,
                               out_dir=tmp_path / "t"))
    assert "'steps'" in str(err.value) and "student.tokenizer" in str(err.value)


@pytest.fixture(scope="module")
def teacher_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kd_teacher")
    tiny_student({**TINY_LLAMA, "hidden_size": TEACHER_WIDTH}, init_seed=1).save(folder)
    return str(folder)


TEACHER_WIDTH = 96  # the student is 64 wide: a live 96-wide model can only be the teacher


def _live_teachers() -> int:
    gc.collect()
    from transformers import PreTrainedModel

    return sum(1 for o in gc.get_objects() if isinstance(o, PreTrainedModel)
               and o.config.hidden_size == TEACHER_WIDTH and any(p.device.type != "meta" for p in o.parameters()))


def test_training_with_precomputed_teacher_logprobs(tmp_path, teacher_folder, monkeypatch):
    task = toy_task(12)
    kd = {"teacher": "steps", "divergence": "forward_kl", "top_k": 8, "ce_weight": 0.0}
    loss = LogitKD(**kd)
    from distillkit_plugins.hf.teacher import HFTeacher

    loss.bind_teachers({"steps": HFTeacher(model=teacher_folder, batch_size=8)}, cache_path=tmp_path / "c.sqlite")
    views = [v for e in task.load().train for v in loss.views(e, annotations(e), task)]
    assert {v.component for v in views} == {"ce"} and loss.student_reasons

    live_at_step = []
    import distillkit_plugins.training.loop as loop_mod

    original = loop_mod.TrainingLoop._train_step
    monkeypatch.setattr(loop_mod.TrainingLoop, "_train_step",
                        lambda self: (live_at_step.append(_live_teachers()), original(self))[1])
    student = tiny_student()
    trainer = AccelerateTrainer(max_steps=8, batch_size=4, learning_rate=3e-3, log_every=1, save_every=4,
                                progress=False)
    result = trainer.train(TrainJob(student=student, loss=loss, views=views, evaluate=lambda: {"a": 0.0},
                                    out_dir=tmp_path))
    assert live_at_step == [0] * 8  # the teacher scored, then was released before step 1
    rows = [r for r in result.history if "loss" in r]
    assert all("loss/kd" in r and "loss/ce" in r for r in rows)
    assert rows[-1]["loss/kd"] < 0.5 * rows[0]["loss/kd"]  # the student moves towards the teacher
    assert rows[0]["loss"] == pytest.approx(rows[0]["loss/kd"], rel=1e-5)  # ce_weight 0: CE is only logged
    assert len(list(tmp_path.glob("teacher_topk-*.safetensors"))) == 1

    assert loss.teacher_spend()["calls"] == len(views)  # scored through Teacher.score, counted
    scored = []
    monkeypatch.setattr(HFTeacher, "score", lambda *a, **k: scored.append(1))
    fresh = LogitKD(**kd)
    fresh.bind_teachers({"steps": HFTeacher(model=teacher_folder)})
    fresh_views = [v for e in task.load().train for v in fresh.views(e, annotations(e), task)]
    again = trainer.train(TrainJob(student=tiny_student(), loss=fresh, views=fresh_views,
                                   evaluate=lambda: {"a": 0.0}, out_dir=tmp_path))
    assert again.steps == 8 and scored == []  # resumed: every view already scored


PIPELINE = """
name: kd
task: {type: synthetic_arithmetic, train_size: 4}
teachers: [{id: big, type: %s, model: some/teacher}]
student: {type: hf, config: {model_type: llama, hidden_size: 32}}
loss: {type: logit_kd, teacher: big}
"""


def test_validation_rejects_a_byte_tokenizer_student_and_a_teacher_that_cannot_score(registry):
    from distillkit.config.load import load_pipeline
    from distillkit.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        load_pipeline(None, registry, text=PIPELINE % "hf")
    assert "byte tokenizer" in err.value.render() and "student.tokenizer: some/teacher" in err.value.render()
    with pytest.raises(ConfigError) as err:
        # a programmatic teacher writes text only (openai_compat can score now, through vLLM's prompt_logprobs)
        load_pipeline(None, registry, text=(PIPELINE % "hf").replace(
            "type: hf, model: some/teacher}]", "type: synthetic_solver}]").replace(
            "student: {type: hf, config: {model_type: llama, hidden_size: 32}}",
            "student: {type: hf, model: some/teacher}"))
    assert "capability score" in err.value.render()
