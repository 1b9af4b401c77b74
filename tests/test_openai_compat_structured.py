"""How the openai_compat teacher sends a strategy's JSON schema, per structured_output mode (fake server).

The same modes against a real server are in test_openai_compat_llama_server.py.
"""

from __future__ import annotations

import pytest
from distillkit_plugins.openai_compat.structured import schema_name
from distillkit_plugins.openai_compat.teacher import OpenAICompatTeacher

from distillkit.components.teacher import STRUCTURED
from distillkit.testing.server import FakeOpenAIServer
from distillkit.testing.toy_task import toy_examples
from distillkit.types import TeacherRequest

SCHEMA = {"title": "Verdict reply", "type": "object", "properties": {"answer": {"type": "string"}},
          "required": ["answer"], "additionalProperties": False}
FORMAT = {"type": "json_schema", "json_schema": {"name": "Verdict_reply", "schema": SCHEMA, "strict": True}}


def _sent(api: str, mode: str | None, schemas: list[dict | None], batch_size: int = 1) -> list[dict]:
    opts = {} if mode is None else {"structured_output": mode}
    with FakeOpenAIServer() as server:
        teacher = OpenAICompatTeacher(base_url=server.url, model="fake-model", api=api, batch_size=batch_size,
                                      max_retries=0, **opts)
        requests = [TeacherRequest(prompt=f"p{i}", example=e, response_schema=s)
                    for i, (e, s) in enumerate(zip(toy_examples(len(schemas)), schemas))]
        results = teacher.generate_batch(requests)
    assert all(not isinstance(r, Exception) for r in results), results
    return server.payloads


@pytest.mark.parametrize(("api", "mode", "fields"), [
    ("chat", None, {"response_format": FORMAT}),  # default: auto
    ("completions", "auto", {"response_format": FORMAT, "json_schema": SCHEMA}),
    ("chat", "response_format", {"response_format": FORMAT}),
    ("completions", "json_schema", {"json_schema": SCHEMA}),
    ("chat", "structured_outputs", {"structured_outputs": {"json": SCHEMA}}),
    ("completions", "guided_json", {"guided_json": SCHEMA}),
    ("chat", "off", {}),
])
def test_schema_is_sent_the_way_the_mode_says(api, mode, fields):
    (body,) = _sent(api, mode, [SCHEMA])
    keys = {"response_format", "json_schema", "structured_outputs", "guided_json"}
    assert {k: v for k, v in body.items() if k in keys} == fields


def test_no_schema_no_structured_fields():
    (body,) = _sent("chat", "auto", [None])
    assert not {"response_format", "json_schema"} & set(body)


def test_completions_batch_with_mixed_schemas_goes_one_by_one():
    other = {"type": "object", "properties": {"b": {"type": "integer"}}}
    same = _sent("completions", "json_schema", [SCHEMA, SCHEMA, SCHEMA], batch_size=3)
    assert len(same) == 1 and same[0]["prompt"] == ["p0", "p1", "p2"] and same[0]["json_schema"] == SCHEMA
    mixed = _sent("completions", "json_schema", [SCHEMA, other, None], batch_size=3)
    assert sorted((b["prompt"], b.get("json_schema") == SCHEMA, "json_schema" in b) for b in mixed) == [
        ("p0", True, True), ("p1", False, True), ("p2", False, False)]


def test_mode_is_in_the_cache_key_and_the_capability_is_declared():
    auto, off = OpenAICompatTeacher(model="m"), OpenAICompatTeacher(model="m", structured_output="off")
    assert auto.identity()["structured_output"] == "auto" and auto.identity() != off.identity()
    assert STRUCTURED in OpenAICompatTeacher.capabilities


def test_schema_name_is_what_openai_accepts():
    assert schema_name({"title": "a b/c"}) == "a_b_c" and schema_name({}) == "reply"
    assert schema_name({"title": "x" * 100}) == "x" * 64 and schema_name({"title": 3}) == "reply"
