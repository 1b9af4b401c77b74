"""The annotation engine with in-process teachers: batching, concurrency, cache, retries, budget, parse/filter."""

from __future__ import annotations

import threading

import pytest

from distillkit.annotation import AnnotationEngine, TeacherCache
from distillkit.annotation import dispatch as dispatch_mod
from distillkit.components import Teacher, TeacherOptions
from distillkit.errors import TeacherError, TransientTeacherError
from distillkit.testing.toy_task import ToyParityTask, oracle_answer, prepared_strategy, toy_examples
from distillkit.types import Generation, ParsedRationale


class OracleTeacher(Teacher):
    """Answers every prompt correctly; counts calls and the most calls running at once."""

    name = "oracle_test"

    class Options(TeacherOptions):
        pass

    def __init__(self, options=None, **kw):
        super().__init__(options, **kw)
        self.calls: list[str] = []
        self.setups = 0
        self.running = self.max_running = 0
        self._lock = threading.Lock()

    def setup(self):
        self.setups += 1

    def generate_one(self, prompt: str) -> str:
        with self._lock:
            self.calls.append(prompt)
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            threading.Event().wait(0.01)  # long enough for concurrent calls to overlap
            return oracle_answer(prompt)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def cache(tmp_path):
    with TeacherCache(tmp_path / "cache.sqlite") as c:
        yield c


@pytest.fixture
def no_sleep(monkeypatch):
    """Record retry delays instead of sleeping them."""
    delays: list[tuple[int, float | None]] = []

    def fake_delay(attempt, base, retry_after=None, rng=None):
        delays.append((attempt, retry_after))
        return 0.0

    monkeypatch.setattr(dispatch_mod, "retry_delay", fake_delay)
    return delays


def run(engine, teacher, examples, registry, strategy=None, filters=(), **kw):
    strategy = strategy or prepared_strategy(registry, "cot")
    return engine.annotate(teacher_id="t", teacher=teacher, strategy=strategy, examples=examples,
                           task=ToyParityTask(), filters=list(filters), **kw)


def test_generate_one_teacher_gets_concurrency_order_and_cache(registry, cache):
    teacher = OracleTeacher(max_concurrency=4)
    examples = toy_examples(24)
    engine = AnnotationEngine(cache, progress=False)
    result = run(engine, teacher, examples, registry)
    assert [a.example_id for a in result.annotations] == [e.id for e in examples]
    assert all(a.ok for a in result.annotations)
    assert [a.answer for a in result.annotations] == [e.answer for e in examples]
    assert len(teacher.calls) == 24 and teacher.setups == 1
    assert 1 < teacher.max_running <= 4
    assert result.stats.calls == 24 and result.stats.cache_hits == 0

    again = OracleTeacher(max_concurrency=4)
    rerun = run(engine, again, examples, registry)
    assert again.calls == [] and again.setups == 0  # a fully cached rerun loads nothing
    assert rerun.stats.calls == 0 and rerun.stats.cache_hits == 24
    assert all(a.cached and a.ok for a in rerun.annotations)
    assert [a.rationale for a in rerun.annotations] == [a.rationale for a in result.annotations]


def test_template_or_identity_change_misses_cache(registry, cache):
    examples = toy_examples(5)
    engine = AnnotationEngine(cache, progress=False)
    run(engine, OracleTeacher(), examples, registry)
    changed_prompt = OracleTeacher()
    run(engine, changed_prompt, examples, registry, strategy=prepared_strategy(registry, "cot", instruction="Think."))
    assert len(changed_prompt.calls) == 5
    other_model = OracleTeacher()
    other_model.identity = lambda: {"type": "oracle_test", "model": "v2"}
    run(engine, other_model, examples, registry)
    assert len(other_model.calls) == 5


def test_use_cache_false_asks_again_but_still_writes(registry, tmp_path):
    examples = toy_examples(3)
    with TeacherCache(tmp_path / "c.sqlite") as cache:
        teacher = OracleTeacher()
        run(AnnotationEngine(cache, use_cache=False, progress=False), teacher, examples, registry)
        run(AnnotationEngine(cache, use_cache=False, progress=False), teacher, examples, registry)
        assert len(teacher.calls) == 6
        assert cache.stats()["entries"] == 3


def test_duplicate_prompts_are_asked_once(registry, cache):
    examples = toy_examples(3) + [toy_examples(1)[0]]
    teacher = OracleTeacher()
    result = run(AnnotationEngine(cache, progress=False), teacher, examples, registry)
    assert len(teacher.calls) == 3
    assert len(result.annotations) == 4 and result.annotations[3].raw == result.annotations[0].raw


class FlakyTeacher(OracleTeacher):
    """Fails each prompt's first ``fails`` attempts with the given error."""

    name = "flaky_test"

    def __init__(self, error, fails=1, **kw):
        super().__init__(**kw)
        self.error, self.fails, self.seen = error, fails, {}

    def generate_one(self, prompt):
        n = self.seen[prompt] = self.seen.get(prompt, 0) + 1
        if n <= self.fails:
            raise self.error
        return super().generate_one(prompt)


def test_transient_errors_are_retried_honouring_retry_after(registry, cache, no_sleep):
    teacher = FlakyTeacher(TransientTeacherError("http 429: slow down", retry_after=2.5), fails=2, max_retries=3)
    result = run(AnnotationEngine(cache, progress=False), teacher, toy_examples(4), registry)
    assert all(a.ok for a in result.annotations)
    assert result.stats.retries == 8 and result.stats.attempts == 12 and result.stats.calls == 4
    assert sorted(no_sleep) == sorted([(1, 2.5), (2, 2.5)] * 4)


def test_retries_exhausted_and_permanent_errors_end_failed_with_reason(registry, cache, no_sleep):
    transient = FlakyTeacher(TransientTeacherError("timeout: no answer"), fails=9, max_retries=2)
    result = run(AnnotationEngine(cache, progress=False), transient, toy_examples(2), registry)
    assert [a.status for a in result.annotations] == ["failed", "failed"]
    assert result.annotations[0].reason == "timeout: no answer (gave up after 3 attempts)"
    assert result.stats.failures_by_reason == {"timeout": 2}

    permanent = FlakyTeacher(TeacherError("http 400: bad request"), fails=9, max_retries=5)
    result = run(AnnotationEngine(cache, progress=False), permanent, toy_examples(2), registry)
    assert result.stats.attempts == 2 and result.stats.retries == 0
    assert result.stats.failures_by_reason == {"http 400": 2}
    # failures are not cached: the rerun asks again and completes them
    healthy = OracleTeacher()
    rerun = run(AnnotationEngine(cache, progress=False), healthy, toy_examples(2), registry)
    assert len(healthy.calls) == 2 and all(a.ok for a in rerun.annotations)


def test_budget_caps_uncached_calls(registry, cache):
    engine = AnnotationEngine(cache, progress=False)
    run(engine, OracleTeacher(), toy_examples(2), registry)
    teacher = OracleTeacher()
    result = run(engine, teacher, toy_examples(6), registry, max_calls=3)
    assert len(teacher.calls) == 3
    statuses = [a.status for a in result.annotations]
    assert statuses.count("ok") == 5 and statuses.count("failed") == 1  # 2 cached + 3 asked
    assert result.annotations[-1].reason == "budget exhausted"


class ScriptedTeacher(OracleTeacher):
    name = "scripted_test"

    def __init__(self, replies, **kw):
        super().__init__(**kw)
        self.replies = replies

    def generate_request(self, request):
        self.calls.append(request.prompt)
        return self.replies[request.example.id]


def test_parse_errors_and_filter_drops_are_counted_and_sampled(registry, cache):
    examples = toy_examples(4)  # answers: no, yes, no, yes
    replies = {"q0": "So the answer is", "q1": "3 is odd.\nSo the answer is no.", "q2": "Odd.\nSo the answer is no.",
               "q3": Generation("17 is even because", finish_reason="length")}
    filters = [registry.create("filter", "answer_matches_gold"), registry.create("filter", "not_truncated")]
    result = run(AnnotationEngine(cache, progress=False), ScriptedTeacher(replies), examples, registry, filters=filters)
    assert [a.status for a in result.annotations] == ["parse_error", "filtered", "ok", "filtered"]
    assert result.stats.parse_errors == 1 and result.parse_error_samples[0]["example_id"] == "q0"
    assert result.stats.filter_drops_by_reason == {"answer contradicts gold": 1, "truncated (token limit)": 1}
    assert result.annotations[3].finish_reason == "length"
    assert result.stats.ok == 1


def test_parser_change_reparses_cached_raw_without_asking(registry, cache):
    examples = toy_examples(3)
    engine = AnnotationEngine(cache, progress=False)
    first = run(engine, OracleTeacher(), examples, registry)
    strategy = prepared_strategy(registry, "cot")
    strategy.parse = lambda raw, ex: ParsedRationale(raw.upper(), "yes")
    teacher = OracleTeacher()
    result = run(engine, teacher, examples, registry, strategy=strategy)
    assert teacher.calls == [] and result.annotations[0].rationale == first.annotations[0].raw.upper()
    key = cache.key(teacher.identity(), result.annotations[0].prompt)
    assert cache.get(key).rationale == first.annotations[0].raw.upper()  # exports see the new reading


class BatchTeacher(OracleTeacher):
    """Native batches; the first attempt at each batch fails its second request only."""

    name = "batch_test"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.batches: list[int] = []

    def generate_batch(self, requests):
        self.batches.append(len(requests))
        out = []
        for i, r in enumerate(requests):
            first_try = r.prompt not in self.calls
            self.calls.append(r.prompt)
            if i == 1 and first_try and len(requests) > 1:
                out.append(TransientTeacherError("http 503: busy"))
            else:
                out.append(Generation(oracle_answer(r.prompt)))
        return out


def test_batches_retry_only_their_failed_requests(registry, cache, no_sleep):
    teacher = BatchTeacher(batch_size=3)
    result = run(AnnotationEngine(cache, progress=False), teacher, toy_examples(6), registry)
    assert all(a.ok for a in result.annotations)
    assert sorted(teacher.batches) == [1, 1, 3, 3]
    assert len(teacher.calls) == 8  # 6 + one retry per batch, no answer asked twice


class BuggyTeacher(OracleTeacher):
    name = "buggy_test"

    def generate_one(self, prompt):
        if "Is 10 even" in prompt:
            raise ValueError("a bug")
        return oracle_answer(prompt)


def test_a_bug_stops_the_run_but_keeps_answers(registry, cache):
    examples = toy_examples(3)  # q1 asks "Is 10 even?"
    with pytest.raises(ValueError, match="a bug"):
        run(AnnotationEngine(cache, progress=False), BuggyTeacher(batch_size=1), examples, registry)
    assert cache.stats()["entries"] >= 1


def test_emit_and_summary(registry, cache, capsys):
    events = []
    engine = AnnotationEngine(cache, progress=True, emit=lambda e, d: events.append((e, d)))
    run(engine, OracleTeacher(), toy_examples(3), registry)
    assert [e for e, _ in events] == ["annotation_start", "annotation_end"]
    assert events[0][1]["to_ask"] == 3 and events[1][1]["calls"] == 3
    assert "t: 3/3 ok; 3 calls" in capsys.readouterr().err


def test_no_cache_still_annotates(registry):
    teacher = OracleTeacher()
    result = run(AnnotationEngine(None, progress=False), teacher, toy_examples(2), registry)
    assert all(a.ok for a in result.annotations) and len(teacher.calls) == 2
