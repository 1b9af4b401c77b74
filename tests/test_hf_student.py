"""The ``hf`` student: options, tiny models from a config, batched generation, save/load,
layer-subset initialisation, LoRA with merge-on-save, seq2seq."""

from __future__ import annotations

import pytest
import torch
from distillkit_plugins.hf.byte_tokenizer import byte_tokenizer
from distillkit_plugins.hf.student import HFStudent
from distillkit_plugins.hf.tiny import TINY_LLAMA, TINY_T5, tiny_student
from pydantic import ValidationError

pytestmark = pytest.mark.usefixtures("one_thread")

PROMPTS = ["a", "a much longer prompt than the others", "mid-sized prompt", "xy"]


@pytest.fixture(scope="module")
def four_layer_folder(tmp_path_factory):
    student = tiny_student({**TINY_LLAMA, "num_hidden_layers": 4})
    folder = tmp_path_factory.mktemp("teacher4")
    student.save(folder)
    return folder, student


@pytest.mark.parametrize("bad,match", [
    ({"model": "x", "config": {"model_type": "llama"}}, "only one of model, config, init_from"),
    ({"init_from": "x", "keep_layers": 2, "config": {"model_type": "llama"}}, "only one"),
    ({"config": {"hidden_size": 8}}, "model_type"),
    ({"init_from": "x"}, "keep_layers"),
    ({"model": "x", "keep_layers": 2}, "keep_layers"),
    ({"init_from": "x", "keep_layers": 0}, ">= 1"),
    ({"model": "builtin:gpt-17"}, "builtin:smollm2-135m-instruct"),
    ({"model": "x", "max_lenght": 5}, "max_lenght"),
])
def test_bad_options_are_rejected_at_validation(bad, match):
    with pytest.raises(ValidationError, match=match):
        HFStudent(**bad)


def test_defaults_are_safe_and_cheap():
    student = HFStudent(model="some/hub-id")  # nothing is loaded at construction
    assert student.model is None and student.options.trust_remote_code is False
    assert student.options.chat_template is False
    assert HFStudent().options.model == "builtin:smollm2-135m-instruct"  # the real small model here


def test_word_tokenizer_makes_numbers_one_token_and_round_trips_the_task(tmp_path):
    from distillkit_plugins.hf.loading import load_tokenizer
    from transformers import AutoTokenizer

    tok = load_tokenizer("words")
    text = "predict: Start with 3. Add 19. Then subtract 4. What is the result?\nAnswer: 18"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == text and tok.unk_token_id not in ids
    assert len(tok(" 19", add_special_tokens=False)["input_ids"]) == 1
    assert tok("Zebra", add_special_tokens=False)["input_ids"] == [tok.unk_token_id]  # outside the vocabulary
    tok.save_pretrained(tmp_path)  # saved with the student, loadable without distillkit
    assert AutoTokenizer.from_pretrained(tmp_path)(text, add_special_tokens=False)["input_ids"] == ids


def test_byte_tokenizer_round_trips_any_text(tmp_path):
    from transformers import AutoTokenizer

    tok = byte_tokenizer()
    text = "Grüße, 世界! 3 + 4 = 7\n\ttab"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert len(ids) == len(text.encode()) and tok.decode(ids) == text
    tok.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert again(text, add_special_tokens=False)["input_ids"] == ids
    assert (again.pad_token_id, again.eos_token_id) == (tok.pad_token_id, tok.eos_token_id)


def test_batched_generation_equals_one_at_a_time_and_keeps_order():
    student = tiny_student(generation_batch_size=3)
    batched = student.generate(PROMPTS, max_new_tokens=6)
    single = [student.generate([p], max_new_tokens=6)[0] for p in PROMPTS]
    assert batched == single and all(len(s) == 1 for s in batched)


def test_sampling_is_seeded_and_returns_num_samples():
    student = tiny_student()
    a = student.generate(PROMPTS[:2], max_new_tokens=8, num_samples=3, temperature=1.0, seed=7)
    b = student.generate(PROMPTS[:2], max_new_tokens=8, num_samples=3, temperature=1.0, seed=7)
    assert a == b and [len(s) for s in a] == [3, 3]
    assert len(set(a[0])) > 1  # 8 random bytes from an untrained model: samples differ
    before = torch.get_rng_state()
    student.generate(PROMPTS[:1], max_new_tokens=4, temperature=1.0, seed=1)
    assert torch.equal(before, torch.get_rng_state())  # the caller's RNG is untouched


def test_save_then_load_gives_the_same_model(tmp_path):
    from transformers import AutoModelForCausalLM

    student = tiny_student()
    student.save(tmp_path)
    ids = torch.tensor([[5, 6, 7, 8]])
    want = student.model(ids).logits
    again = HFStudent(config=TINY_LLAMA)
    model, tok = again.load(tmp_path)
    assert model is again.model and tok is again.tokenizer
    assert torch.allclose(model(ids).logits, want)
    assert torch.allclose(AutoModelForCausalLM.from_pretrained(tmp_path)(ids).logits, want)
    assert again.generate(PROMPTS, max_new_tokens=5) == student.generate(PROMPTS, max_new_tokens=5)


@pytest.mark.parametrize("keep,layers", [(2, [0, 2]), ([1, 3], [1, 3]), (1, [0, 1, 2, 3])])
def test_student_cut_from_a_teacher_keeps_those_layers(four_layer_folder, keep, layers, tmp_path):
    folder, teacher = four_layer_folder
    student = HFStudent(init_from=str(folder), keep_layers=keep)
    model, _ = student.load()
    assert model.config.num_hidden_layers == len(layers) == len(model.model.layers)
    for new, old in enumerate(layers):
        got, want = model.model.layers[new].state_dict(), teacher.model.model.layers[old].state_dict()
        assert all(torch.equal(got[k], want[k]) for k in want)
    assert torch.equal(model.model.embed_tokens.weight, teacher.model.model.embed_tokens.weight)
    # the KV cache is indexed by layer: batched cached generation must match uncached scoring
    (text,) = student.generate(["hello"], max_new_tokens=4)[0]
    student.save(tmp_path)
    reloaded = HFStudent(config=TINY_LLAMA)
    reloaded.load(tmp_path)
    assert reloaded.model.config.num_hidden_layers == len(layers)
    assert reloaded.generate(["hello"], max_new_tokens=4)[0][0] == text


def test_keep_layers_out_of_range_is_a_clear_error(four_layer_folder):
    from distillkit_plugins.hf.loading import ModelLoadError

    folder, _ = four_layer_folder
    with pytest.raises(ModelLoadError, match=r"0\.\.3"):
        HFStudent(init_from=str(folder), keep_layers=[0, 4]).load()


def test_lora_trains_adapters_only_and_saves_merged_weights(tmp_path):
    from transformers import AutoModelForCausalLM

    student = tiny_student(lora={"r": 4, "alpha": 8, "target_modules": ["q_proj", "v_proj"]})
    trainable = [n for n, p in student.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    with torch.no_grad():  # give the adapters a non-zero update (B starts at zero)
        for n, p in student.model.named_parameters():
            if "lora_B" in n:
                p.add_(0.05)
    ids = torch.tensor([[5, 6, 7, 8]])
    want = student.model(ids).logits
    student.save(tmp_path)
    plain = AutoModelForCausalLM.from_pretrained(tmp_path)
    assert not any("lora" in n for n, _ in plain.named_parameters())
    assert torch.allclose(plain(ids).logits, want, atol=1e-5)
    assert any("lora_" in n for n, _ in student.model.named_parameters())  # still training with adapters


def test_seq2seq_student_generates_and_round_trips(tmp_path):
    student = tiny_student(TINY_T5)
    assert student.is_encoder_decoder
    out = student.generate(PROMPTS, max_new_tokens=5)
    assert [len(s) for s in out] == [1] * len(PROMPTS)
    student.save(tmp_path)
    again = HFStudent(config=TINY_T5)
    again.load(tmp_path)
    assert again.generate(PROMPTS, max_new_tokens=5) == out


def test_chat_template_option_wraps_prompts_for_training_and_generation():
    student = tiny_student(chat_template=True)
    student.tokenizer.chat_template = "{% for m in messages %}<{{ m['content'] }}>{% endfor %}"
    assert student.format_prompt("hi") == "<hi>"
    assert student.encode_prompts(["hi"]) == [student.tokenizer("<hi>", add_special_tokens=False)["input_ids"]]


@pytest.mark.parametrize("tied", [True, False])
def test_freeze_embeddings_freezes_them_and_a_tied_output_layer_only(tied):
    student = tiny_student({**TINY_LLAMA, "tie_word_embeddings": tied}, freeze_embeddings=True)
    model = student.model
    embed, head = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    assert (embed is head) == tied
    assert not embed.requires_grad and head.requires_grad == (not tied)
    ids = torch.tensor([[5, 6, 7, 8]])
    model(ids, labels=ids).loss.backward()
    assert embed.grad is None
    others = [p for p in model.parameters() if p is not embed]
    assert others and all(p.requires_grad and p.grad is not None for p in others)
