"""Structured (JSON-schema) replies from the local ``hf`` teacher: constrained and schema-checked paths."""

from __future__ import annotations

import importlib.util
import json

import pytest
from distillkit_plugins.elad.structured_reply import NUMBER_PATTERN
from distillkit_plugins.hf.structured import check_reply, validate
from distillkit_plugins.hf.teacher import HFTeacher
from distillkit_plugins.hf.tiny import tiny_student

from distillkit.components.teacher import STRUCTURED
from distillkit.types import Example, Generation, TeacherRequest

pytestmark = pytest.mark.usefixtures("one_thread")
EX = Example(id="e", question="q", answer="a")
SCHEMA = {"type": "object", "properties": {
    "verdict": {"type": "string", "enum": ["all steps correct", "a step is wrong"]},
    "step": {"type": "integer", "enum": [0, 1, 2, 3, 4]},
    "answer": {"type": "string", "minLength": 1, "maxLength": 6},
    "number": {"type": "string", "pattern": NUMBER_PATTERN}},
    "required": ["verdict", "step", "answer", "number"], "additionalProperties": False}
needs_enforcer = pytest.mark.skipif(importlib.util.find_spec("lmformatenforcer") is None,
                                    reason="needs pip install 'distillkit[structured]'")


@pytest.mark.parametrize(("value", "error"), [
    ({"verdict": "a step is wrong", "step": 2, "answer": "9", "number": "-12.5"}, None),
    ({"verdict": "maybe", "step": 2, "answer": "9", "number": "-12.5"}, "$.verdict: 'maybe' is not one of"),
    ({"verdict": "a step is wrong", "answer": "9", "number": "-12.5"}, "$: missing 'step'"),
    ({"verdict": "a step is wrong", "step": 2, "answer": "9", "number": "1", "x": 1}, "$: unexpected 'x'"),
    ({"verdict": "a step is wrong", "step": "2", "answer": "9", "number": "-12.5"}, "$.step: expected integer, got str"),
    ({"verdict": "a step is wrong", "step": True, "answer": "9", "number": "-12.5"}, "$.step: expected integer, got bool"),
    ({"verdict": "a step is wrong", "step": 7, "answer": "9", "number": "-12.5"}, "$.step: 7 is not one of"),
    ({"verdict": "a step is wrong", "step": 1, "answer": "1234567", "number": "1"}, "$.answer: longer than 6"),
    ({"verdict": "a step is wrong", "step": 1, "answer": "", "number": "1"}, "$.answer: shorter than 1"),
    ({"verdict": "a step is wrong", "step": 1, "answer": "a", "number": "12 apples"}, "$.number: '12 apples' does"),
    ([1], "$: expected object, got list"),
])
def test_validate_names_the_first_problem(value, error):
    errors = validate(value, SCHEMA)
    if error is None:
        assert errors == []
    else:
        assert errors and errors[0].startswith(error), errors


def test_array_bounds_ranges_and_unparseable_text():
    assert validate(7, {"type": "integer", "minimum": 0, "maximum": 4}) == ["$: 7 is out of range"]
    schema = {"type": "array", "items": {"type": "string"}, "maxItems": 2}
    assert validate(["a", "b", "c"], schema) == ["$: 3 items, allowed 0..2"]
    assert validate(["a", 1], schema) == ["$[1]: expected string, got int"]
    assert check_reply('{"verdict": ', SCHEMA).startswith("not valid JSON")
    assert check_reply(json.dumps({"verdict": "all steps correct", "step": 0, "answer": "3", "number": "3"}),
                       SCHEMA) is None


def test_capability_and_the_resolved_mode_in_the_cache_key():
    assert STRUCTURED in HFTeacher.capabilities
    assert HFTeacher(model="m", structured_output="checked").identity()["structured_output"] == "checked"
    auto = HFTeacher(model="m").identity()["structured_output"]
    assert auto == ("constrained" if importlib.util.find_spec("lmformatenforcer") else "checked")
    assert HFTeacher(model="m", structured_output="off").identity() != HFTeacher(model="m").identity()


class _Canned(HFTeacher):
    """The checked path's logic without a model: replies come from a list, prompts are recorded."""

    def setup(self):
        self.asked: list[list[str]] = getattr(self, "asked", [])

    def _generate(self, prompts, schemas):
        self.asked.append(list(prompts))
        return [Generation(text=self.replies.pop(0), prompt_tokens=10, completion_tokens=5) for _ in prompts]


def test_checked_path_retries_once_with_the_validation_error():
    teacher = _Canned(model="m", structured_output="checked")
    good = json.dumps({"verdict": "a step is wrong", "step": 2, "answer": "9", "number": "-12.5"})
    teacher.replies = ['{"verdict": "maybe", "step": 2, "answer": "9", "number": "-12.5"}', good, "free text", "still not json"]
    out = teacher.generate_batch([TeacherRequest("p1", EX, response_schema=SCHEMA),
                                  TeacherRequest("p2", EX, response_schema=SCHEMA), TeacherRequest("p3", EX)])
    assert teacher.asked[0] == ["p1", "p2", "p3"] and len(teacher.asked) == 2
    (retry,) = teacher.asked[1]  # only the invalid schema reply is asked again; "p3" has no schema
    assert retry.startswith("p1\n") and "'maybe' is not one of" in retry and '"enum"' in retry
    assert out[0].text == "still not json" and out[0].completion_tokens == 10  # both attempts are counted
    assert out[1].text == good and out[2].text == "free text"


def test_off_ignores_the_schema():
    teacher = _Canned(model="m", structured_output="off")
    teacher.replies = ["free text"]
    out = teacher.generate_batch([TeacherRequest("p", EX, response_schema=SCHEMA)])
    assert out[0].text == "free text" and len(teacher.asked) == 1


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    tiny_student().save(folder)  # random weights, byte tokenizer: its free text is never JSON
    return str(folder)


@needs_enforcer
def test_constrained_decoding_makes_a_random_model_follow_the_schema(tiny_folder):
    requests = [TeacherRequest(f"prompt {i}", EX, response_schema=SCHEMA) for i in range(3)]
    requests.append(TeacherRequest("free", EX))  # a row without a schema in the same batch stays free
    constrained = HFTeacher(model=tiny_folder, max_new_tokens=120, batch_size=4, structured_output="constrained")
    out = constrained.generate_batch(requests)
    for g in out[:3]:
        assert check_reply(g.text, SCHEMA) is None, g.text
        assert g.finish_reason == "stop"
    assert check_reply(out[3].text, SCHEMA) is not None
    free = HFTeacher(model=tiny_folder, max_new_tokens=120, structured_output="off").generate_batch(requests[:1])
    assert check_reply(free[0].text, SCHEMA) is not None  # the same model unconstrained: not JSON
