"""The built-in rationale filters, each on what it keeps and what it drops."""

from __future__ import annotations

import pytest

from distillkit.testing.toy_task import ToyParityTask, toy_examples
from distillkit.types import Annotation

EXAMPLE = toy_examples(2)[1]  # "Is 10 even?" -> yes
TASK = ToyParityTask()


def ann(rationale="10 is divisible by 2, so it is even.", answer="yes", finish_reason="stop") -> Annotation:
    return Annotation(EXAMPLE.id, "t", "prompt", raw=rationale, rationale=rationale, answer=answer, status="ok",
                      finish_reason=finish_reason)


def check(registry, name, annotation, **options):
    return registry.create("filter", name, **options).check(annotation, EXAMPLE, TASK)


def test_answer_matches_gold(registry):
    assert check(registry, "answer_matches_gold", ann()) is None
    assert check(registry, "answer_matches_gold", ann(answer="no")) == "answer contradicts gold"
    assert check(registry, "answer_matches_gold", ann(answer=None)) is None
    assert check(registry, "answer_matches_gold", ann(answer=None), require_answer=True) == "no final answer"


@pytest.mark.parametrize("text, kept", [("10 is even.", True), ("", False), ("  ...  ", False), (None, False)])
def test_non_empty(registry, text, kept):
    assert (check(registry, "non_empty", ann(rationale=text)) is None) == kept


def test_not_truncated(registry):
    assert check(registry, "not_truncated", ann()) is None
    assert check(registry, "not_truncated", ann(finish_reason="length")) == "truncated (token limit)"
    assert check(registry, "not_truncated", ann(answer=None)) == "no final answer"
    assert check(registry, "not_truncated", ann(answer=None), require_answer=False) is None


def test_min_length(registry):
    assert check(registry, "min_length", ann(), min_words=5) is None
    assert check(registry, "min_length", ann(rationale="Even."), min_words=2) == "too short"
    with pytest.raises(Exception, match="greater than or equal to 1"):
        registry.create("filter", "min_length", min_words=0)


def test_every_filter_documents_its_options(registry):
    for name in registry.names("filter"):
        cls = registry.get("filter", name)
        assert cls.summary(), name
        assert all(f.description for f in cls.Options.model_fields.values()), name
