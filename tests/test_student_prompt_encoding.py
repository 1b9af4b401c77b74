"""Students encode prompts one way for training, generation and scoring (``encode_prompts``).

Regression: ELAD's least-confidence scoring looked for ``encode_prompt`` (singular), which the hf
student does not define, so with a chat template the student was scored on the plain prompt while
it generates from the chat-wrapped one.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from distillkit_plugins.elad.student_scoring import continuation_logprobs
from distillkit_plugins.hf.tiny import tiny_student

TEMPLATE = "{% for m in messages %}<user>{{ m['content'] }}</user>{% endfor %}<bot>"


def _reference(student, prompt_ids: list[int], continuation: str) -> list[float]:
    """Log-probabilities of the continuation after ``prompt_ids``, one forward pass, by hand."""
    cont = student.tokenizer(continuation, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt_ids + cont])
    with torch.no_grad():
        logprobs = torch.log_softmax(student.model(input_ids=ids).logits.float(), dim=-1)[0]
    return [logprobs[len(prompt_ids) + i - 1, tok].item() for i, tok in enumerate(cont)]


def test_scoring_uses_the_chat_wrapped_prompt_the_student_generates_from():
    torch.manual_seed(0)
    student = tiny_student(chat_template=True)
    student.tokenizer.chat_template = TEMPLATE
    prompt, continuation = "What is 2 + 3?", " 5"
    wrapped = student.encode_prompts([prompt])[0]
    plain = student.tokenizer(prompt)["input_ids"]
    assert wrapped != plain  # the template changes what the model sees
    got = continuation_logprobs(student, [prompt], [continuation])[0]
    assert got == pytest.approx(_reference(student, wrapped, continuation), abs=1e-5)
    assert got != pytest.approx(_reference(student, plain, continuation), abs=1e-5)


def test_the_base_class_encodes_plain_text_with_the_tokenizer():
    student = tiny_student()  # chat_template off: the hf student's encoding is the tokenizer's own
    from distillkit.components import StudentModel

    assert StudentModel.encode_prompts(student, ["ab", "c"]) == [
        list(ids) for ids in student.tokenizer(["ab", "c"])["input_ids"]]
    assert student.encode_prompts(["ab"]) == [student.tokenizer(["ab"])["input_ids"][0]]
