"""Teacher answers that must not be trusted or kept, and where a user reads why an item failed."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from distillkit.annotation import TeacherCache
from distillkit.testing.server import FakeOpenAIServer
from distillkit.testing.toy_task import oracle_answer, toy_examples
from tests.test_openai_compat import annotate, retry_after_seen, teacher_for  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("retry_after_seen")


def _empty_first(times: int):
    """A responder that answers with nothing the first ``times`` times it sees a prompt."""
    seen: Counter = Counter()

    def respond(prompt: str) -> str:
        seen[prompt] += 1
        return "" if seen[prompt] <= times else oracle_answer(prompt)

    return respond


def test_an_empty_completion_is_retried_and_never_cached(registry, tmp_path):
    with FakeOpenAIServer(responder=_empty_first(1)) as server, TeacherCache(tmp_path / "c.sqlite") as cache:
        teacher = teacher_for(registry, server.url, max_retries=2)
        result = annotate(registry, teacher, toy_examples(3), cache=cache)
        assert all(a.ok for a in result.annotations)
        assert result.stats.retries == 3 and result.stats.calls == 3
        assert all(entry.raw.strip() for entry in cache.get_many(_items(registry, server.url, 3)).values())


def test_a_teacher_that_stays_empty_fails_with_a_reason_and_stores_nothing(registry, tmp_path):
    empty = FakeOpenAIServer(responder=lambda prompt: "  \n")
    with empty as server, TeacherCache(tmp_path / "c.sqlite") as cache:
        teacher = teacher_for(registry, server.url, max_retries=1)
        result = annotate(registry, teacher, toy_examples(2), cache=cache)
        assert [a.status for a in result.annotations] == ["failed", "failed"]
        assert result.annotations[0].reason.startswith("empty answer: the teacher returned no text")
        assert "gave up after 2 attempts" in result.annotations[0].reason
        assert result.stats.failures_by_reason == {"empty answer": 2}
        assert cache.get_many(_items(registry, server.url, 2)) == {}
        # the glitch is not permanent: a rerun against a healthy server answers
        server.responder = oracle_answer
        again = annotate(registry, teacher_for(registry, server.url), toy_examples(2), cache=cache)
        assert all(a.ok for a in again.annotations) and again.stats.calls == 2


def _items(registry, url, n):
    from distillkit.annotation.engine import AnnotationEngine
    from distillkit.testing.toy_task import prepared_strategy

    teacher = teacher_for(registry, url)
    return AnnotationEngine._work_items(teacher.identity(), teacher, prepared_strategy(registry, "cot"),
                                        toy_examples(n), "rationale")


class _OtherModel(FakeOpenAIServer):
    def __init__(self, answered_as: str, **kw):
        super().__init__(**kw)
        self.answered_as = answered_as

    def _completion(self, payload, prompts, chat):
        return {**super()._completion(payload, prompts, chat), "model": self.answered_as}


@pytest.mark.parametrize("answered_as, ok", [
    ("other-model", False), ("fake-model-large", True), ("fake-model:latest", True), ("fake-modelX", False),
    ("fake-model", True), ("", True),
])
def test_an_answer_from_another_model_is_refused(registry, tmp_path, answered_as, ok):
    with _OtherModel(answered_as) as server, TeacherCache(tmp_path / "c.sqlite") as cache:
        teacher = teacher_for(registry, server.url, max_retries=1)
        (ann,) = annotate(registry, teacher, toy_examples(1), cache=cache).annotations
        assert ann.ok is ok, ann.reason
        if not ok:
            expected = f"wrong model: asked for 'fake-model', the server answered as {answered_as!r}"
            assert ann.reason.startswith(expected)
            assert server.stats.requests == 1  # a wrong model is not retried
            assert cache.get_many(_items(registry, server.url, 1)) == {}


def test_the_dataset_teacher_does_not_retry_an_empty_rationale(registry):
    from distillkit.annotation import AnnotationEngine
    from distillkit.testing.toy_task import ToyParityTask, prepared_strategy
    from distillkit.types import Example

    teacher = registry.create("teacher", "dataset", max_retries=5, backoff_s=0)
    examples = [Example("a", "Is 2 even?", "yes", rationale=" ")]
    result = AnnotationEngine(None, progress=False).annotate(
        teacher_id="gold", teacher=teacher, strategy=prepared_strategy(registry, "cot"), examples=examples,
        task=ToyParityTask(), filters=[])
    (ann,) = result.annotations
    assert ann.status == "failed" and result.stats.attempts == 1


def test_failure_reasons_are_saved_per_item_and_the_report_says_where(tmp_path):
    from distillkit.registry import build_registry
    from distillkit.testing import builtin_modules
    from tests.plugins import fake_components, fake_pipeline
    from tests.test_runner import run

    fake_pipeline.CALLS.clear()
    modules = [*builtin_modules(), fake_components, fake_pipeline]
    registry = build_registry(entry_points=False, modules=modules)
    overrides = ["teachers[0].fail_first=99", "teachers[0].max_retries=0", "evaluation.teachers=false"]
    _, out = run(registry, tmp_path, overrides=overrides)
    rows = [json.loads(line) for line in (out / "rounds" / "00" / "failures.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and {r["status"] for r in rows} == {"failed"}
    assert all(r["reason"].startswith("simulated 503") and r["teacher_id"] == "oracle" for r in rows)
    assert "rounds/00/failures.jsonl" in (out / "report.md").read_text()
