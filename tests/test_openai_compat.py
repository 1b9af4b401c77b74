"""The openai_compat teacher over real HTTP on 127.0.0.1, against the fault-injecting fake server."""

from __future__ import annotations

import socket

import pytest

from distillkit.annotation import AnnotationEngine, TeacherCache
from distillkit.annotation import dispatch as dispatch_mod
from distillkit.errors import TeacherError
from distillkit.testing.server import FakeOpenAIServer, FaultPlan
from distillkit.testing.toy_task import ToyParityTask, prepared_strategy, toy_examples

KEY = "sk-test-very-secret-0123456789"


@pytest.fixture
def retry_after_seen(monkeypatch):
    """Retry without sleeping; record what the engine was told to wait."""
    seen: list[float | None] = []

    def fake_delay(attempt, base, retry_after=None, rng=None):
        seen.append(retry_after)
        return 0.0

    monkeypatch.setattr(dispatch_mod, "retry_delay", fake_delay)
    return seen


def teacher_for(registry, url, **opts):
    base = {"base_url": url, "model": "fake-model", "timeout_s": 2.0, "backoff_s": 0.0}
    return registry.create("teacher", "openai_compat", **{**base, **opts})


def annotate(registry, teacher, examples, cache=None, filters=(), strategy=None, **kw):
    engine = AnnotationEngine(cache, progress=False)
    try:
        return engine.annotate(teacher_id="oa", teacher=teacher, strategy=strategy or prepared_strategy(registry, "cot"),
                               examples=examples, task=ToyParityTask(), filters=list(filters), **kw)
    finally:
        teacher.close()


@pytest.mark.parametrize("api", ["chat", "completions"])
def test_answers_and_sends_sampling_parameters(registry, api):
    with FakeOpenAIServer() as server:
        teacher = teacher_for(registry, server.url, api=api, temperature=0.7, top_p=0.9, seed=3, stop=["\n\nQuestion:"],
                              max_tokens=64, extra_body={"top_k": 5}, system_prompt="Be brief.")
        result = annotate(registry, teacher, toy_examples(4))
    assert [a.answer for a in result.annotations] == [e.answer for e in toy_examples(4)]
    assert result.stats.prompt_tokens > 0 and result.stats.completion_tokens > 0
    body = server.payloads[0]
    prompts = {a.prompt for a in result.annotations}
    assert {k: body[k] for k in ("temperature", "top_p", "seed", "stop", "max_tokens", "top_k", "n")} == {
        "temperature": 0.7, "top_p": 0.9, "seed": 3, "stop": ["\n\nQuestion:"], "max_tokens": 64, "top_k": 5, "n": 1}
    if api == "chat":
        assert body["messages"][0] == {"role": "system", "content": "Be brief."}
        assert body["messages"][1]["content"] in prompts
    else:
        assert body["prompt"] in prompts


@pytest.mark.parametrize("fault", ["timeout", "429", "500", "malformed", "drop"])
def test_each_fault_is_retried_then_answered(registry, retry_after_seen, fault):
    plan = FaultPlan(kinds=(fault,), fail_first=1, hang_s=0.6, retry_after_s=0.25)
    with FakeOpenAIServer(faults=plan) as server:
        result = annotate(registry, teacher_for(registry, server.url, timeout_s=0.3, max_concurrency=3), toy_examples(3))
    assert all(a.ok for a in result.annotations)
    assert result.stats.retries == 3 and result.stats.calls == 3
    assert server.stats.faults[fault] == 3 and max(server.stats.answered.values()) == 1
    if fault == "429":
        assert retry_after_seen == [0.25] * 3


def test_slow_body_within_deadline_succeeds_and_beyond_it_times_out(registry, retry_after_seen):
    plan = FaultPlan(kinds=("slow",), fail_first=1, slow_s=0.3)
    with FakeOpenAIServer(faults=plan) as server:
        ok = annotate(registry, teacher_for(registry, server.url, timeout_s=2.0), toy_examples(2))
    assert all(a.ok for a in ok.annotations) and ok.stats.retries == 0
    with FakeOpenAIServer(faults=FaultPlan(kinds=("slow",), rate=1.0, slow_s=1.0)) as server:
        late = annotate(registry, teacher_for(registry, server.url, timeout_s=0.3, max_retries=1), toy_examples(1))
    assert late.annotations[0].status == "failed" and late.annotations[0].reason.startswith("timeout")


def test_client_errors_are_not_retried(registry, retry_after_seen):
    with FakeOpenAIServer() as server:
        result = annotate(registry, teacher_for(registry, server.url, model="no-such-model"), toy_examples(2))
    assert server.stats.requests == 2 and result.stats.attempts == 2 and result.stats.retries == 0
    assert result.stats.failures_by_reason == {"http 404": 2}
    assert "GET /v1/models" in result.annotations[0].reason


def test_api_key_comes_from_env_and_is_never_stored(registry, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("DK_TEST_KEY", KEY)
    with FakeOpenAIServer(api_key=KEY) as server, TeacherCache(tmp_path / "c.sqlite") as cache:
        teacher = teacher_for(registry, server.url, api_key_env="DK_TEST_KEY")
        result = annotate(registry, teacher, toy_examples(2), cache=cache)
        stored = cache.stats()
    assert all(a.ok for a in result.annotations) and server.stats.auth_headers == {f"Bearer {KEY}"}
    assert KEY not in str(teacher.identity()) and "api_key_env" not in teacher.identity()
    assert KEY not in caplog.text and stored["entries"] == 2
    for path in tmp_path.iterdir():
        assert KEY.encode() not in path.read_bytes()


def test_wrong_or_missing_key(registry, monkeypatch):
    monkeypatch.delenv("DK_TEST_KEY", raising=False)
    with pytest.raises(TeacherError, match="DK_TEST_KEY is not set"):
        teacher_for(registry, "http://127.0.0.1:9/v1", api_key_env="DK_TEST_KEY").setup()
    monkeypatch.setenv("DK_TEST_KEY", "sk-wrong")
    with FakeOpenAIServer(api_key=KEY) as server:
        result = annotate(registry, teacher_for(registry, server.url, api_key_env="DK_TEST_KEY"), toy_examples(1))
    assert result.annotations[0].reason.startswith("http 401") and "sk-wrong" not in result.annotations[0].reason


def test_pasted_key_is_a_config_problem_that_does_not_echo_it(registry):
    from distillkit.config.load import load_pipeline
    from distillkit.errors import ConfigError

    text = ("name: x\ntask: {type: synthetic_arithmetic}\nteachers:\n  - {id: t, type: openai_compat, model: m, "
            f"api_key_env: {KEY}}}\nstudent: {{type: hf, model: x}}\nloss: {{type: multitask_rationale}}\n")
    with pytest.raises(ConfigError) as exc:
        load_pipeline(None, registry, text=text)
    problem = next(p for p in exc.value.problems if p.location == "teachers[0].api_key_env")
    assert problem.line == 4 and "NAME of an environment variable" in problem.message and KEY not in str(exc.value)
    cls = registry.get("teacher", "openai_compat")
    assert cls.cross_check(cls.Options(model="m", api_key_env="OPENAI_API_KEY"), None) == []


def test_identity_has_sampling_parameters_not_transport():
    from distillkit_plugins.openai_compat.teacher import OpenAICompatTeacher

    a = OpenAICompatTeacher(model="m", base_url="http://a:1/v1", timeout_s=5)
    b = OpenAICompatTeacher(model="m", base_url=["http://b:1/v1", "http://c:1/v1"], timeout_s=9, max_concurrency=2)
    assert a.identity() == b.identity()
    assert a.identity() != OpenAICompatTeacher(model="m", temperature=0.5).identity()
    assert a.identity()["type"] == "openai_compat" and a.identity()["model"] == "m"


def _dead_url() -> str:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_replicas_share_load_and_a_dead_one_is_routed_around(registry, retry_after_seen):
    with FakeOpenAIServer() as a, FakeOpenAIServer() as b:
        teacher = teacher_for(registry, [a.url, b.url], max_concurrency=2)
        annotate(registry, teacher, toy_examples(10))
        assert a.stats.requests >= 3 and b.stats.requests >= 3
        dead = _dead_url()
        teacher = teacher_for(registry, [dead, a.url], max_concurrency=1, replica_cooldown_s=60)
        teacher.setup()
        result = annotate(registry, teacher, toy_examples(10, start=50))
    assert all(x.ok for x in result.annotations)
    assert result.stats.retries == 1  # one failed attempt on the dead replica, then it is benched
    assert teacher._pool.requests[dead.rstrip("/")] == 1


def test_requests_in_flight_are_bounded(registry):
    with FakeOpenAIServer(latency_s=0.05) as server:
        annotate(registry, teacher_for(registry, server.url, max_concurrency=3), toy_examples(12))
    assert server.stats.max_in_flight == 3


def test_cost_accounting_and_n_choices(registry):
    prices = {"input_per_1m": 2.0, "output_per_1m": 10.0}
    with FakeOpenAIServer() as server:
        result = annotate(registry, teacher_for(registry, server.url, prices=prices, n=2), toy_examples(2))
    s = result.stats
    assert s.cost == pytest.approx((s.prompt_tokens * 2.0 + s.completion_tokens * 10.0) / 1e6)
    one = result.annotations[0]
    assert one.completion_tokens == 2 * len(one.raw.split(" "))  # usage counts both choices, text is the first


def test_truncation_is_reported_and_filtered(registry):
    with FakeOpenAIServer() as server:
        result = annotate(registry, teacher_for(registry, server.url, max_tokens=4), toy_examples(2),
                          filters=[registry.create("filter", "not_truncated")])
    assert [a.finish_reason for a in result.annotations] == ["length", "length"]
    assert result.stats.filter_drops_by_reason == {"truncated (token limit)": 2}


def test_completions_batch_is_one_request(registry):
    with FakeOpenAIServer() as server:
        result = annotate(registry, teacher_for(registry, server.url, api="completions", batch_size=4), toy_examples(8))
    assert server.stats.requests == 2 and isinstance(server.payloads[0]["prompt"], list)
    assert [a.answer for a in result.annotations] == [e.answer for e in toy_examples(8)]
    assert sum(a.prompt_tokens for a in result.annotations) == result.stats.prompt_tokens


def test_chat_batch_retries_only_failed_members(registry, retry_after_seen):
    with FakeOpenAIServer(faults=FaultPlan(rate=0.5, kinds=("500",), seed=1)) as server:
        result = annotate(registry, teacher_for(registry, server.url, batch_size=4, max_retries=8), toy_examples(8))
    assert all(a.ok for a in result.annotations) and result.stats.retries > 0
    assert max(server.stats.answered.values()) == 1  # nothing answered twice


def test_sync_generate_batch_outside_the_engine(registry):
    from distillkit.types import TeacherRequest

    example = toy_examples(1)[0]
    with FakeOpenAIServer() as server:
        teacher = teacher_for(registry, server.url)
        teacher.setup()
        [gen] = teacher.generate_batch([TeacherRequest(prompt="Is 4 even?", example=example)])
    assert gen.text.endswith("So the answer is yes.") and gen.finish_reason == "stop"
