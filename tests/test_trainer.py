"""The accelerate trainer on a tiny model: learning, one forward pass per micro-batch, logging,
model selection on validation, resume of a finished run, and RNG hygiene around evaluation."""

from __future__ import annotations

import pytest
import torch
from distillkit_plugins.hf.tiny import TINY_LLAMA, tiny_student
from distillkit_plugins.training.toy import toy_views
from distillkit_plugins.training.trainer import AccelerateTrainer

from distillkit.components import TrainJob
from distillkit.errors import DataError, DistillkitError
from distillkit.types import View

pytestmark = pytest.mark.usefixtures("one_thread")

# attention dropout makes the run depend on the torch RNG, so RNG handling is tested too
CONFIG = {**TINY_LLAMA, "attention_dropout": 0.1}
FAST = {"learning_rate": 3e-3, "batch_size": 4, "progress": False, "save_every": None, "log_every": 1}


@pytest.fixture(scope="module")
def toy():
    return toy_views(24)


def _job(tmp_path, toy, evaluate=lambda: {"acc": 0.0}, config=CONFIG, **kw):
    _, loss, _, views = toy
    return TrainJob(student=tiny_student(config), loss=loss, views=views, evaluate=evaluate, out_dir=tmp_path,
                    select_metric=kw.pop("select_metric", "acc"), **kw)


def _loss_rows(history):
    return [r for r in history if "loss" in r]


def test_training_lowers_every_component_and_logs_each_one(tmp_path, toy):
    events = []
    job = _job(tmp_path, toy, emit=lambda e, p: events.append((e, p)))
    result = AccelerateTrainer(max_steps=30, **FAST).train(job)
    rows = _loss_rows(result.history)
    assert result.steps == 30 and [r["step"] for r in rows] == list(range(1, 31))
    components = ["loss/answer", "loss/rationale:steps", "loss/rationale:words"]
    for key in components + ["lr", "tokens_per_s", "grad_norm"]:
        assert all(key in r for r in rows), key
    for key in components:
        assert rows[-1][key] < 0.7 * rows[0][key], key
    first = result.history[0]
    assert first["step"] == 0 and first["examples"] == 24 and first["views"] == 72
    assert [e for e, _ in events] == ["train_log"] * len(result.history)
    assert result.peak_rss_mb > 0


def test_one_forward_pass_per_micro_batch(tmp_path, toy):
    job = _job(tmp_path, toy)
    calls = []
    job.student.model.register_forward_pre_hook(lambda module, args: calls.append(1))
    forwards_during_eval = []
    job.evaluate = lambda: forwards_during_eval.append(len(calls)) or {"acc": 0.0}
    AccelerateTrainer(max_steps=3, grad_accum=2, **FAST).train(job)
    setup_probe = 2  # the packing check runs the model once packed and once padded
    assert forwards_during_eval == [setup_probe + 3 * 2]


def test_best_validation_checkpoint_is_restored(tmp_path, toy):
    scores = iter([0.2, 0.9, 0.4])
    snapshots = {}

    def evaluate():
        snapshots[len(snapshots)] = {k: v.clone() for k, v in job.student.model.state_dict().items()}
        return {"acc": next(scores), "other": 1.0}

    job = _job(tmp_path, toy, evaluate=evaluate)
    result = AccelerateTrainer(max_steps=6, eval_every=2, **FAST).train(job)
    assert (result.best, result.best_step) == ({"acc": 0.9, "other": 1.0}, 4)
    final = job.student.model.state_dict()
    assert all(torch.equal(final[k], snapshots[1][k]) for k in final)
    assert not all(torch.equal(final[k], snapshots[2][k]) for k in final)
    assert [r["val/acc"] for r in result.history if "val/acc" in r] == [0.2, 0.9, 0.4]
    assert [f.name for f in (tmp_path / "best").iterdir()] == ["step-00000004.safetensors"]


def test_evaluation_randomness_does_not_change_training(tmp_path, toy):
    def noisy():
        torch.rand(1000)
        return {"acc": 0.0}

    losses = []
    for i, evaluate in enumerate([lambda: {"acc": 0.0}, noisy]):
        job = _job(tmp_path / str(i), toy, evaluate=evaluate)
        result = AccelerateTrainer(max_steps=6, eval_every=2, **FAST).train(job)
        losses.append([r["loss"] for r in _loss_rows(result.history)])
    assert losses[0] == losses[1]


def test_a_finished_job_resumes_to_the_same_result_without_training(tmp_path, toy):
    opts = {**FAST, "save_every": 3}
    first = AccelerateTrainer(max_steps=6, eval_every=3, **opts).train(_job(tmp_path, toy))
    job = _job(tmp_path, toy)
    calls = []
    job.student.model.register_forward_pre_hook(lambda module, args: calls.append(1))
    again = AccelerateTrainer(max_steps=6, eval_every=3, **opts).train(job)
    assert (again.history, again.best_step, again.steps) == (first.history, first.best_step, 6)
    assert len(calls) == 2  # only the packing check
    assert [d.name for d in (tmp_path / "checkpoints").iterdir()] == ["step-00000006"]


def test_unknown_select_metric_and_empty_data_are_clear_errors(tmp_path, toy):
    with pytest.raises(DistillkitError, match="select_metric 'accuracy'.*acc"):
        AccelerateTrainer(max_steps=1, **FAST).train(_job(tmp_path / "a", toy, select_metric="accuracy"))
    job = _job(tmp_path / "b", toy)
    job.views = [View("x", "p" * 600, "t", "answer")]
    with pytest.raises(DataError, match="max_length=512"):
        AccelerateTrainer(max_steps=1, **FAST).train(job)


def test_padded_layout_trains_like_packed(tmp_path, toy):
    finals = []
    for packing in (True, False):  # without dropout: the layouts draw random numbers differently
        job = _job(tmp_path / str(packing), toy, config=TINY_LLAMA)
        result = AccelerateTrainer(max_steps=4, packing=packing, **FAST).train(job)
        finals.append([r["loss"] for r in _loss_rows(result.history)])
    assert finals[0] == pytest.approx(finals[1], rel=1e-4)


def test_selection_can_prefer_lower_values(tmp_path, toy):
    scores = iter([0.5, 0.1, 0.3])
    job = _job(tmp_path, toy, evaluate=lambda: {"perplexity": next(scores)}, select_metric="perplexity",
               select_higher_is_better=False)
    result = AccelerateTrainer(max_steps=6, eval_every=2, **FAST).train(job)
    assert (result.best, result.best_step) == ({"perplexity": 0.1}, 4)


def test_learning_rate_follows_warmup_then_linear_decay(tmp_path, toy):
    result = AccelerateTrainer(max_steps=6, warmup_steps=2, **{**FAST, "learning_rate": 1e-3}).train(
        _job(tmp_path, toy))
    lrs = [r["lr"] for r in _loss_rows(result.history)]  # the lr after each step's scheduler update
    assert lrs == pytest.approx([5e-4, 1e-3, 7.5e-4, 5e-4, 2.5e-4, 0.0], abs=1e-9)


@pytest.mark.parametrize("module,hook,names", [
    ("training", "register_trainers", ["accelerate"]),
    ("training", "register_student_losses", ["answer_only", "cot_sft", "logit_kd"]),
    ("tinyllm", "register_student_losses", ["multitask_rationale"]),
    ("hf", "register_student_models", ["hf"]),
    ("hf", "register_teacher_backends", ["hf"]),
])
def test_plugin_hooks_register_documented_components(module, hook, names, registry):
    import importlib

    found = []
    getattr(importlib.import_module(f"distillkit_plugins.{module}"), hook)(register=found.append)
    assert sorted(c.name for c in found) == names
    for cls in found:
        assert cls.summary() and registry.get(cls.kind, cls.name) is cls
        assert all(f.description for f in cls.Options.model_fields.values()), cls.name


def test_lora_student_trains_only_its_adapters_and_resumes(tmp_path, toy):
    _, loss, _, views = toy
    student = tiny_student(TINY_LLAMA, lora={"r": 4, "alpha": 8, "target_modules": "all-linear"})
    frozen = {n: p.detach().clone() for n, p in student.model.named_parameters() if not p.requires_grad}
    job = TrainJob(student=student, loss=loss, views=views, evaluate=lambda: {"acc": 0.0}, out_dir=tmp_path,
                   select_metric="acc")
    opts = {**FAST, "learning_rate": 1e-2, "save_every": 3}
    result = AccelerateTrainer(max_steps=6, **opts).train(job)
    rows = _loss_rows(result.history)
    assert rows[-1]["loss"] < rows[0]["loss"]
    now = dict(student.model.named_parameters())
    assert all(torch.equal(now[n], p) for n, p in frozen.items())
    again = tiny_student(TINY_LLAMA, lora={"r": 4, "alpha": 8, "target_modules": "all-linear"})
    resumed = AccelerateTrainer(max_steps=6, **opts).train(TrainJob(
        student=again, loss=loss, views=views, evaluate=lambda: {"acc": 0.0}, out_dir=tmp_path, select_metric="acc"))
    assert resumed.history == result.history
    assert all(torch.equal(p, now[n]) for n, p in again.model.named_parameters())


def test_a_tracker_without_its_package_is_a_validation_error(registry):
    import importlib.util

    from distillkit.config.load import load_pipeline
    from distillkit.errors import ConfigError

    if importlib.util.find_spec("wandb") is not None:
        pytest.skip("wandb is installed here")
    text = ("name: t\ntask: {type: synthetic_arithmetic}\nstudent: {type: hf}\nloss: {type: answer_only}\n"
            "trainer: {type: accelerate, log_with: [wandb]}\n")
    with pytest.raises(ConfigError) as err:
        load_pipeline(None, registry, text=text)
    (problem,) = err.value.problems
    assert problem.location == "trainer.log_with[0]" and problem.hint == "pip install wandb"


def test_one_process_trains_again_with_another_precision(tmp_path, toy):
    """accelerate keeps one precision per process; a bench or notebook training twice must still work."""
    first = AccelerateTrainer(max_steps=2, mixed_precision="no", **FAST).train(_job(tmp_path / "fp32", toy))
    second = AccelerateTrainer(max_steps=2, mixed_precision="bf16", **FAST).train(_job(tmp_path / "bf16", toy))
    assert first.steps == second.steps == 2
    assert all(torch.isfinite(torch.tensor(r["loss"])) for r in _loss_rows(second.history))
