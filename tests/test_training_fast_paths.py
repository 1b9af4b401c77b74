"""The trainer's fast paths (fused norm/activation modules, fused AdamW, seq2seq length groups) give
the plain path's numbers: same losses to 1e-5 in fp32."""

from __future__ import annotations

import pytest
import torch
from distillkit_plugins.hf.tiny import TINY_LLAMA, TINY_T5, tiny_student
from distillkit_plugins.training import loop
from distillkit_plugins.training.collate import length_groups
from distillkit_plugins.training.fast_modules import FusedRMSNorm, fuse_modules
from distillkit_plugins.training.toy import toy_views
from distillkit_plugins.training.trainer import AccelerateTrainer
from torch import nn

from distillkit.components import TrainJob

pytestmark = pytest.mark.usefixtures("one_thread")

T5_GATED_GELU = {**TINY_T5, "feed_forward_proj": "gated-gelu"}  # gelu_new, as Flan-T5


@pytest.fixture(scope="module")
def toy():
    return toy_views(16)


def _train(tmp_path, toy, config, fast: bool, monkeypatch):
    monkeypatch.setattr(loop, "FAST_PATHS", fast)
    _, loss, _, views = toy
    student = tiny_student(config)
    job = TrainJob(student=student, loss=loss, views=views, evaluate=dict, out_dir=tmp_path / str(fast),
                   select_metric=None)
    result = AccelerateTrainer(max_steps=6, batch_size=4, learning_rate=3e-3, progress=False, save_every=None,
                               log_every=1, weight_decay=0.1).train(job)
    return [r["loss"] for r in result.history if "loss" in r], student.model


@pytest.mark.parametrize("config", [T5_GATED_GELU, TINY_LLAMA], ids=["t5", "llama"])
def test_fast_paths_train_exactly_like_the_plain_path(tmp_path, toy, config, monkeypatch):
    plain, plain_model = _train(tmp_path, toy, config, False, monkeypatch)
    fast, fast_model = _train(tmp_path, toy, config, True, monkeypatch)
    assert fast == pytest.approx(plain, rel=1e-5)
    assert not any(isinstance(m, FusedRMSNorm) for m in plain_model.modules())
    kinds = {type(m) for m in fast_model.modules()}
    assert FusedRMSNorm in kinds and (nn.GELU in kinds) == (config is T5_GATED_GELU)
    assert plain_model.state_dict().keys() == fast_model.state_dict().keys()


class OnePlusWeightNorm(nn.Module):  # Gemma-style: looks like an RMS norm but scales by 1 + weight
    def __init__(self, width: int):
        super().__init__()
        self.weight, self.variance_epsilon = nn.Parameter(torch.zeros(width)), 1e-6

    def forward(self, x):
        return (1 + self.weight) * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.variance_epsilon)


def test_fuse_modules_keeps_a_module_that_computes_something_else():
    student = tiny_student()
    model = student.model
    model.model.norm = OnePlusWeightNorm(model.config.hidden_size)
    weight = model.model.layers[0].input_layernorm.weight
    swapped = fuse_modules(model)
    assert isinstance(model.model.norm, OnePlusWeightNorm)
    assert isinstance(model.model.layers[0].input_layernorm, FusedRMSNorm)
    assert model.model.layers[0].input_layernorm.weight is weight  # same parameter, same name
    assert swapped == 2 * model.config.num_hidden_layers


def _padded(sizes, groups):
    return sum(len(g) * (max(sizes[i][0] for i in g) + max(sizes[i][1] for i in g)) for g in groups)


def test_length_groups_trade_padding_against_passes():
    gen = torch.Generator().manual_seed(0)
    sizes = [(int(a), int(b)) for a, b in torch.randint(1, 60, (30, 2), generator=gen)]
    for cost in (0, 96, 10**6):
        groups = length_groups(sizes, pass_cost=cost)
        assert sorted(i for g in groups for i in g) == list(range(30))
    assert _padded(sizes, length_groups(sizes, pass_cost=0)) == sum(a + b for a, b in sizes)
    assert len(length_groups(sizes, pass_cost=10**6)) == 1
    # TinyLLM's shape: one-token answers are not padded to 100-token rationales
    views = [(40, 1)] * 8 + [(40, 100)] * 16
    assert sorted(map(sorted, length_groups(views))) == [list(range(8)), list(range(8, 24))]
