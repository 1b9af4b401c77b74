"""CPU decoding paths of the ``hf`` student and teacher: the few-row Linear product used while
generating (same results as the plain layer) and the teacher's opt-in float16-weight Linears."""

from __future__ import annotations

import contextlib

import pytest
import torch
from distillkit_plugins.hf import cpu_decoding
from distillkit_plugins.hf.cpu_decoding import FEW_ROWS, few_row_linears, fp16_weights, fp16_weights_supported
from distillkit_plugins.hf.generation import generate
from distillkit_plugins.hf.teacher import HFTeacher
from distillkit_plugins.hf.tiny import TINY_T5, tiny_student
from pydantic import ValidationError
from torch import nn

from distillkit.types import Example, TeacherRequest

pytestmark = pytest.mark.usefixtures("one_thread")

needs_fp16 = pytest.mark.skipif(fp16_weights_supported() is not None, reason=str(fp16_weights_supported()))


@pytest.mark.parametrize("shape", [(1, 16), (3, 1, 16), (2, 5, 16), (FEW_ROWS + 1, 16), (16,)])
@pytest.mark.parametrize("bias", [True, False])
def test_few_row_product_equals_the_plain_layer(shape, bias):
    torch.manual_seed(0)
    layer = nn.Linear(16, 40, bias=bias)
    x = torch.randn(*shape)
    with torch.no_grad():
        expected = layer(x)
        with few_row_linears(layer):
            got = layer(x)
    assert got.shape == expected.shape and got.is_contiguous()
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_gradients_and_hooked_layers_keep_the_plain_path_and_forwards_are_restored():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 4))
    hooked = model[1]
    hooked.forward = lambda x: torch.zeros(x.shape[0], 4)  # as accelerate's hooks replace forward
    x = torch.randn(2, 8, requires_grad=True)
    with few_row_linears(model):
        assert "forward" in vars(model[0])
        out = model(x)
        assert hooked.forward is not None and out.abs().sum() == 0  # the hooked layer was left alone
        y = model[0](x)
        y.sum().backward()  # grad mode: the plain layer, so gradients flow
    assert x.grad is not None and "forward" not in vars(model[0]) and "forward" in vars(hooked)
    with pytest.raises(RuntimeError, match="boom"), few_row_linears(model):
        raise RuntimeError("boom")
    assert "forward" not in vars(model[0])  # restored after an error too


@pytest.mark.parametrize("config", [None, TINY_T5], ids=["llama", "t5"])
def test_generation_with_the_few_row_product_matches_plain_layers(config, monkeypatch):
    student = tiny_student(config, init_seed=3)
    prompts = ["ab", "a longer prompt here", "x", "middle one"]
    sampled = {"max_new_tokens": 8, "temperature": 1.0, "num_samples": 2, "seed": 5, "batch_size": 4}
    calls = []
    real = cpu_decoding._few_row_forward
    monkeypatch.setattr(cpu_decoding, "_few_row_forward",
                        lambda layer, x: calls.append(x.shape) or real(layer, x))
    fast = generate(student.model, student.tokenizer, prompts, **sampled)
    # decoding steps feed 4 prompts x 2 samples = 8 rows
    assert any(shape[0] * shape[1] == 8 for shape in calls if len(shape) == 3)
    monkeypatch.setattr("distillkit_plugins.hf.generation.few_row_linears",
                        lambda model: contextlib.nullcontext())
    plain = generate(student.model, student.tokenizer, prompts, **sampled)
    assert [[c.text for c in row] for row in fast] == [[c.text for c in row] for row in plain]
    assert any(c.text for row in fast for c in row)


@needs_fp16
def test_fp16_weights_keep_logits_close_and_convert_every_linear():
    student = tiny_student(init_seed=1)
    ids = student.tokenizer(["some text to score"], return_tensors="pt")["input_ids"]
    with torch.no_grad():
        reference = student.model(ids).logits
        model = fp16_weights(student.model)
        got = model(ids).logits
    assert not any(type(m) is nn.Linear for m in model.modules())
    torch.testing.assert_close(got, reference, rtol=1e-3, atol=1e-3)
    assert not torch.equal(got, reference)  # the weights really are float16


@needs_fp16
def test_teacher_cpu_weights_float16_generates_and_keys_its_cache_apart(tmp_path):
    folder = tmp_path / "m"
    tiny_student(init_seed=2).save(folder)
    request = [TeacherRequest("hello", Example(id="e", question="q", answer="a"))]
    plain = HFTeacher(model=str(folder), max_new_tokens=6)
    half = HFTeacher(model=str(folder), max_new_tokens=6, cpu_weights="float16")
    assert half.identity()["cpu_weights"] == "float16" and "cpu_weights" not in plain.identity()
    (g,) = half.generate_batch(request)
    assert g.completion_tokens >= 1
    assert not any(type(m) is nn.Linear for m in half.model.modules())
    half.close()


def test_cpu_weights_float16_is_checked_at_validation(monkeypatch):
    with pytest.raises(ValidationError, match="dtype: bfloat16"):
        HFTeacher(model="m", cpu_weights="float16", dtype="bfloat16")
    with pytest.raises(ValidationError, match="for CPU decoding"):
        HFTeacher(model="m", cpu_weights="float16", device="cuda:0")
    monkeypatch.setattr(cpu_decoding, "fp16_weights_supported", lambda: "this PyTorch has no fbgemm engine")
    with pytest.raises(ValidationError, match="no fbgemm engine.*cpu_weights: float32"):
        HFTeacher(model="m", cpu_weights="float16")
    assert HFTeacher(model="m").options.cpu_weights == "float32"  # the default needs nothing
