"""on_policy validation: an hf teacher whose tokenizer differs from the hf student's is a located error,
found by loading the two tokenizers only (the folders here hold no weights at all)."""

from __future__ import annotations

import pytest
from distillkit_plugins.hf.byte_tokenizer import byte_tokenizer
from distillkit_plugins.hf.word_tokenizer import word_tokenizer

from distillkit.config.load import load_pipeline
from distillkit.errors import ConfigError

PIPELINE = """
name: t
task: {type: synthetic_arithmetic, train_size: 8}
teachers:
  - {id: big, type: hf, model: %s, strategy: {type: cot}}
  - {id: other, type: hf, model: %s, strategy: {type: cot}}
student: {type: hf, model: %s}
loss: {type: on_policy, teachers: [{id: big}, {id: other, weight: 0.5}]}
"""


@pytest.fixture
def folders(tmp_path):
    out = {}
    made = (("bytes_a", byte_tokenizer()), ("bytes_b", byte_tokenizer()), ("words", word_tokenizer()))
    for name, tok in made:
        tok.save_pretrained(tmp_path / name)  # a tokenizer only: validation must not need weights
        out[name] = str(tmp_path / name)
    return out


def test_a_teacher_with_another_tokenizer_is_a_located_error(registry, folders):
    text = PIPELINE % (folders["bytes_b"], folders["words"], folders["bytes_a"])
    with pytest.raises(ConfigError) as err:
        load_pipeline(None, registry, text=text)
    rendered = err.value.render()
    assert "1 problem found" in rendered, rendered
    assert "loss.teachers[1].id" in rendered or "loss.teachers.1.id" in rendered, rendered
    assert "'other'" in rendered and "vocabularies differ" in rendered and "text-span" in rendered
    assert "'big'" not in rendered  # an equal tokenizer saved in another folder passes


def test_same_tokenizers_in_different_folders_validate(registry, folders):
    text = PIPELINE % (folders["bytes_b"], folders["bytes_a"], folders["bytes_a"])
    assert load_pipeline(None, registry, text=text).loss.name == "on_policy"


def test_a_different_end_of_sequence_token_is_reported(registry, folders, tmp_path):
    tok = byte_tokenizer()
    tok.eos_token = "<bos>"  # same vocabulary, another eos: the teacher would grade the stop wrongly
    tok.save_pretrained(tmp_path / "other_eos")
    text = PIPELINE % (folders["bytes_b"], str(tmp_path / "other_eos"), folders["bytes_a"])
    with pytest.raises(ConfigError) as err:
        load_pipeline(None, registry, text=text)
    assert "end-of-sequence tokens differ ('<eos>' vs '<bos>')" in err.value.render()


def test_a_tokenizer_that_cannot_be_loaded_here_is_left_to_the_per_sample_check(registry, folders):
    text = PIPELINE % ("some/hub-teacher", folders["bytes_a"], folders["bytes_a"])  # offline: not loadable
    assert load_pipeline(None, registry, text=text).loss.name == "on_policy"


def test_an_openai_compat_teacher_is_checked_through_its_tokenizer_option(registry, folders):
    served = "  - {id: other, type: openai_compat, model: served, tokenizer: %s, strategy: {type: cot}}"
    text = PIPELINE % (folders["bytes_b"], "x", folders["bytes_a"])
    hf_line = "  - {id: other, type: hf, model: x, strategy: {type: cot}}"
    text = text.replace(hf_line, served % folders["words"])
    with pytest.raises(ConfigError) as err:
        load_pipeline(None, registry, text=text)
    assert "'other'" in err.value.render() and "vocabularies differ" in err.value.render()
    same = text.replace(folders["words"], folders["bytes_b"])
    assert load_pipeline(None, registry, text=same).loss.name == "on_policy"
    without = text.replace(f", tokenizer: {folders['words']}", "")  # unknown before the server is asked
    assert load_pipeline(None, registry, text=without).loss.name == "on_policy"
