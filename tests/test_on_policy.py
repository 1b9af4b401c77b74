"""On-policy distillation: the per-token loss against a naive reference (masking, teacher weights, k1/k3,
top-k JSD), the k1 gradient against the analytic reverse-KL gradient, scoring (cache, budget, retries),
validation, and a tiny end-to-end run where the student's divergence from its teacher falls."""

from __future__ import annotations

import math

import pytest
import torch
from distillkit_plugins.hf.teacher import HFTeacher
from distillkit_plugins.hf.tiny import TINY_LLAMA, tiny_student
from distillkit_plugins.on_policy.kl import OnPolicyKL
from distillkit_plugins.on_policy.loss import OnPolicy
from distillkit_plugins.on_policy.scorer import BudgetSpent, ScoreCache, Scorer
from distillkit_plugins.training.divergences import divergence
from distillkit_plugins.training.toy import toy_task
from distillkit_plugins.training.trainer import AccelerateTrainer

from distillkit.components import Teacher, TrainJob
from distillkit.errors import TransientTeacherError
from distillkit.types import TokenLogprobs

pytestmark = pytest.mark.usefixtures("one_thread")


def _naive(logits, tokens, sample, teacher_lp, mask, weights, estimator):
    """The loss written out token by token, teacher by teacher, in floats."""
    per_sample: dict[int, list[float]] = {}
    for row, tok, s, tlps, ms in zip(
        logits.tolist(), tokens.tolist(), sample.tolist(), teacher_lp.tolist(), mask.tolist()
    ):
        z = max(row)
        ls = row[tok] - (z + math.log(sum(math.exp(x - z) for x in row)))
        num = den = 0.0
        for w, lt, m in zip(weights, tlps, ms):
            if not m:
                continue
            d = ls - lt if estimator == "k1" else math.exp(lt - ls) - 1 - (lt - ls)
            num, den = num + w * d, den + w
        if den > 0:
            per_sample.setdefault(s, []).append(num / den)
    means = [sum(v) / len(v) for v in per_sample.values()]
    return sum(means) / len(means) if means else 0.0


@pytest.mark.parametrize("estimator", ["k1", "k3"])
def test_loss_matches_the_naive_reference_with_masks_and_teacher_weights(estimator):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(7, 11, generator=gen) * 2
    tokens = torch.randint(0, 11, (7,), generator=gen)
    sample = torch.tensor([0, 0, 0, 1, 1, 2, 2])
    teacher_lp = -torch.rand(7, 2, generator=gen) * 4
    mask = torch.tensor(
        [[1, 1], [1, 0], [0, 1], [1, 1], [0, 0], [0, 0], [0, 0]], dtype=torch.bool
    )  # sample 2: none
    weights = [3.0, 1.0]
    got = OnPolicyKL(weights, estimator=estimator)(logits, tokens, sample, teacher_lp, mask)
    assert float(got) == pytest.approx(
        _naive(logits, tokens, sample, teacher_lp, mask, weights, estimator), abs=1e-5
    )


def test_all_masked_is_zero_not_nan_and_keeps_a_finite_gradient():
    logits = torch.randn(4, 9, requires_grad=True)
    loss = OnPolicyKL([1.0])(
        logits,
        torch.tensor([1, 2, 3, 4]),
        torch.tensor([0, 0, 1, 1]),
        torch.full((4, 1), float("-inf")),
        torch.zeros(4, 1, dtype=torch.bool),
    )
    loss.backward()
    assert (
        float(loss.detach()) == 0.0
        and torch.isfinite(logits.grad).all()
        and float(logits.grad.abs().sum()) == 0.0
    )
    empty = OnPolicyKL([1.0])(
        torch.zeros(0, 9),
        torch.zeros(0, dtype=torch.long),
        torch.zeros(0, dtype=torch.long),
        torch.zeros(0, 1),
        torch.zeros(0, 1, dtype=torch.bool),
    )
    assert float(empty) == 0.0


def test_a_zero_weight_teacher_changes_nothing():
    gen = torch.Generator().manual_seed(1)
    logits, tokens = torch.randn(5, 7, generator=gen), torch.randint(0, 7, (5,), generator=gen)
    sample, lp = torch.tensor([0, 0, 1, 1, 1]), -torch.rand(5, 2, generator=gen) * 3
    mask = torch.ones(5, 2, dtype=torch.bool)
    both = OnPolicyKL([1.0, 0.0])(logits, tokens, sample, lp, mask)
    alone = OnPolicyKL([1.0])(logits, tokens, sample, lp[:, :1], mask[:, :1])
    assert float(both) == pytest.approx(float(alone), abs=1e-6)


def test_k1_expected_gradient_is_the_reverse_kl_gradient():
    """Sum the per-token surrogate over every possible sampled token, weighted by the student's
    probability of it (the exact expectation): its gradient equals the analytic grad of KL(p_s || p_t)."""
    gen = torch.Generator().manual_seed(2)
    v = 6
    logits = torch.randn(1, v, generator=gen, requires_grad=True)
    teacher = torch.log_softmax(torch.randn(v, generator=gen) * 2, -1)
    kl = OnPolicyKL([1.0], estimator="k1")
    p_s = torch.softmax(logits.detach(), -1)[0]
    expected = sum(
        p_s[x]
        * kl(
            logits,
            torch.tensor([x]),
            torch.tensor([0]),
            teacher[x].view(1, 1),
            torch.ones(1, 1, dtype=torch.bool),
        )
        for x in range(v)
    )
    (g_surrogate,) = torch.autograd.grad(expected, logits)
    log_q = torch.log_softmax(logits, -1)[0]
    exact = (log_q.exp() * (log_q - teacher)).sum()
    (g_exact,) = torch.autograd.grad(exact, logits)
    assert torch.allclose(g_surrogate, g_exact, atol=1e-5)
    # its value is the k1 estimate, whose expectation is the reverse KL itself
    assert float(expected.detach()) == pytest.approx(float(exact.detach()), abs=1e-5)


def test_topk_term_is_gkd_jsd_with_trl_endpoints():
    gen = torch.Generator().manual_seed(3)
    logits = torch.randn(4, 10, generator=gen)
    ids = torch.stack([torch.randperm(10, generator=gen)[:3] for _ in range(4)])
    top_lp = torch.log_softmax(torch.randn(4, 10, generator=gen), -1).gather(-1, ids)
    tokens, sample = ids[:, 0], torch.tensor([0, 1, 2, 3])
    lp, mask = top_lp[:, :1], torch.ones(4, 1, dtype=torch.bool)
    for beta, kind in [(0.0, "forward_kl"), (1.0, "reverse_kl"), (0.4, "jsd")]:
        got = OnPolicyKL([1.0], topk_weight=1.0, beta=beta)(
            logits, tokens, sample, lp, mask, ids[:, None], top_lp[:, None]
        )
        want = divergence(logits, ids, top_lp, kind=kind, beta=0.4).mean()
        assert float(got) == pytest.approx(float(want), abs=1e-5), beta


class _Counting(Teacher):
    name = "counting"
    capabilities = frozenset({"generate", "score"})

    def __init__(self, *a, fail_first: int = 0, **k):
        super().__init__(*a, **k)
        self.asked: list[list[str]] = []
        self.fail_first = fail_first

    def generate_one(self, prompt):
        return prompt

    def score(self, prompts, completions, *, top_k=0):
        if self.fail_first:
            self.fail_first -= 1
            raise TransientTeacherError("busy")
        self.asked.append(list(completions))
        return [TokenLogprobs(list(range(len(c))), [-1.0] * len(c)) for c in completions]


def test_scorer_caches_by_text_counts_tokens_retries_and_stops_at_its_budget(tmp_path):
    teacher = _Counting(max_retries=2, backoff_s=0.0)
    scorer = Scorer("t", teacher, ScoreCache(tmp_path / "c.sqlite"), max_calls=3, sleep=lambda s: None)
    out = scorer.score(["p", "p"], ["abc", "de"])
    assert [len(s) for s in out] == [3, 2]
    assert scorer.spent() == {"calls": 2, "tokens": 5, "cache_hits": 0, "cost": 0.0}
    again = Scorer("t", teacher, ScoreCache(tmp_path / "c.sqlite"), max_calls=3)
    assert [s.logprobs for s in again.score(["p"], ["abc"])] == [[-1.0] * 3] and again.calls == 0
    assert teacher.asked == [["abc", "de"]]  # the second scorer read the cache file
    with pytest.raises(BudgetSpent, match="cap of 3 calls"):
        scorer.score(["p", "p"], ["x", "y"])
    flaky = Scorer("t", _Counting(max_retries=2, backoff_s=0.0, fail_first=2), None, sleep=lambda s: None)
    assert len(flaky.score(["p"], ["zz"])[0]) == 2


def test_hf_score_without_top_k_and_of_an_empty_completion(tmp_path):
    tiny_student(init_seed=3).save(tmp_path / "m")
    teacher = HFTeacher(model=str(tmp_path / "m"), batch_size=2)
    a, b, c = teacher.score(["hello", "a much longer prompt", "x"], [" world", "", "yz"])
    tok, model = teacher.tokenizer, teacher.model
    ids = tok("hello")["input_ids"]
    cont = tok(" world", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([ids + cont])).logits[0], -1)
    assert a.logprobs == pytest.approx(
        [float(logp[len(ids) - 1 + j, t]) for j, t in enumerate(cont)], abs=1e-5
    )
    assert a.top_ids is None and len(b) == 0 and len(c) == 2 and a.tokens is not None


PIPELINE = """
name: op
task: {type: synthetic_arithmetic, train_size: 4}
teachers:
  - {id: big, type: %s, model: some/teacher%s}
student: %s
loss: {type: on_policy, teachers: [{id: big}]}
"""


def test_validation_locates_a_tokenizer_mismatch_and_a_teacher_that_cannot_score(registry):
    from distillkit.config.load import load_pipeline
    from distillkit.errors import ConfigError

    byte_student = "{type: hf, config: {model_type: llama, hidden_size: 32}}"
    with pytest.raises(ConfigError) as err:
        load_pipeline(None, registry, text=PIPELINE % ("hf", "", byte_student))
    text = err.value.render()
    assert "loss.teachers[0].id" in text or "loss.teachers.0.id" in text, text
    assert "built-in byte tokenizer" in text and "text-span" in text
    with pytest.raises(ConfigError) as err:
        load_pipeline(
            None,
            registry,
            text=(PIPELINE % ("synthetic_solver", "", "{type: hf, model: some/teacher}")).replace(
                "type: synthetic_solver, model: some/teacher}", "type: synthetic_solver}"
            ),
        )
    assert "cannot score tokens" in err.value.render()
    with pytest.raises(ConfigError) as err:
        load_pipeline(
            None,
            registry,
            text=(PIPELINE % ("hf", "", "{type: hf, model: some/teacher}")).replace(
                "teachers: [{id: big}]}", "teachers: [{id: big}], topk_weight: 0.5}"
            ),
        )
    assert "top_k > 0" in err.value.render()
    ok = load_pipeline(None, registry, text=PIPELINE % ("hf", "", "{type: hf, model: some/teacher}"))
    assert ok.loss.score_only_teachers() == ["big"]


def _sharp_teacher(folder):
    """A tiny model with confident (sharpened) next-token distributions, so there is a gap to close."""
    teacher = tiny_student({**TINY_LLAMA, "hidden_size": 96}, init_seed=1)
    with torch.no_grad():
        teacher.model.lm_head.weight.mul_(40.0)
    teacher.save(folder)
    return str(folder)


def test_end_to_end_on_policy_training_moves_the_student_towards_its_teacher(tmp_path):
    teacher = HFTeacher(model=_sharp_teacher(tmp_path / "teacher"), batch_size=8)
    task = toy_task(8)
    loss = OnPolicy(teachers=[{"id": "t"}], max_new_tokens=16, estimator="k1", seed=0)
    views = [v for e in task.load().train for v in loss.views(e, {}, task)]
    loss.bind_teachers({"t": teacher}, cache_path=tmp_path / "cache.sqlite")
    trainer = AccelerateTrainer(
        max_steps=30, batch_size=4, learning_rate=1e-2, log_every=1, save_every=None, progress=False
    )
    result = trainer.train(
        TrainJob(
            student=tiny_student(),
            loss=loss,
            views=views,
            evaluate=lambda: {"a": 0.0},
            out_dir=tmp_path / "train",
        )
    )
    kl = [r["loss/on_policy"] for r in result.history if "loss/on_policy" in r]
    assert len(kl) == 30 and all(math.isfinite(x) for x in kl)
    assert sum(kl[-5:]) / 5 < 0.5 * sum(kl[:5]) / 5, kl
    spend = loss.teacher_spend()
    assert spend["samples"] == 30 * 4 and 0 < spend["calls"] <= 30 * 4 and spend["mismatched:t"] == 0
    assert spend["tokens"] <= spend["tokens_trained"]  # identical samples are scored (and paid) once
    assert loss._step == 30  # optimizer steps counted (sampling seeds and schedules follow them)
    teacher.close()


def test_rationale_steps_first_then_on_policy(tmp_path):
    from distillkit_plugins.training.toy import annotations

    teacher = HFTeacher(model=_sharp_teacher(tmp_path / "teacher"), batch_size=8)
    task = toy_task(8)
    loss = OnPolicy(
        teachers=[{"id": "t"}],
        max_new_tokens=8,
        rationale_loss={"type": "cot_sft", "teacher": "steps"},
        rationale_only_steps=3,
        rationale_weight=0.5,
    )
    assert loss.score_only_teachers() == ["t"] and loss.teacher_ids() == ["t", "steps"]
    views = [v for e in task.load().train for v in loss.views(e, annotations(e), task)]
    loss.bind_teachers({"t": teacher})
    result = AccelerateTrainer(
        max_steps=6, batch_size=4, learning_rate=1e-3, log_every=1, save_every=None, progress=False
    ).train(
        TrainJob(student=tiny_student(), loss=loss, views=views, evaluate=dict, out_dir=tmp_path / "train")
    )
    rows = [r for r in result.history if "loss" in r]
    assert ["loss/on_policy" in r for r in rows] == [False] * 3 + [True] * 3
    for r in rows[:3]:
        assert r["loss"] == pytest.approx(r["loss/cot:steps"], rel=1e-5)
    for r in rows[3:]:
        assert r["loss"] == pytest.approx(r["loss/on_policy"] + 0.5 * r["loss/cot:steps"], rel=1e-4, abs=1e-6)
    assert loss.teacher_spend()["samples"] == 3 * 4
    teacher.close()


def test_openai_compat_scoring_through_a_vllm_style_server_equals_the_in_process_scores(tmp_path):
    """The server path (tokenize + prompt_logprobs on a token-id prompt, vLLM's protocol) against a fake
    server that serves the same tiny model: the client's scores equal the hf teacher's. This checks the
    client's protocol handling, not vLLM itself."""
    from distillkit_plugins.openai_compat.teacher import OpenAICompatTeacher

    from distillkit.errors import TeacherError
    from distillkit.testing.server import FakeOpenAIServer

    tiny_student(init_seed=5).save(tmp_path / "m")
    local = HFTeacher(model=str(tmp_path / "m"), chat_template="off")
    local.setup()
    tok, model = local.tokenizer, local.model

    def prompt_logprobs(ids, k):
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), -1)
        rows = [None]
        for j in range(1, len(ids)):
            lp = logp[j - 1]
            top = lp.topk(k) if k else None
            row = (
                {
                    int(i): {"logprob": float(v), "rank": r + 1, "decoded_token": tok.decode([int(i)])}
                    for r, (i, v) in enumerate(zip(top.indices, top.values))
                }
                if top is not None
                else {}
            )
            rank = int((lp > lp[ids[j]]).sum()) + 1
            row.setdefault(
                ids[j], {"logprob": float(lp[ids[j]]), "rank": rank, "decoded_token": tok.decode([ids[j]])}
            )
            rows.append(row)
        return rows

    prompts, completions = ["Is 14 even?", "a longer prompt here"], [" yes, it is<eos>", " no"]
    want = local.score(prompts, completions, top_k=3)
    with FakeOpenAIServer(
        tokenize=lambda text, special: tok(text, add_special_tokens=special)["input_ids"],
        prompt_logprobs=prompt_logprobs,
    ) as server:
        remote = OpenAICompatTeacher(base_url=server.url, model="fake-model", api="completions")
        got = remote.score(prompts, completions, top_k=3)
        assert server.payloads[-1]["prompt_logprobs"] == 3 and server.payloads[-1]["max_tokens"] == 1
    for g, w in zip(got, want):
        assert g.token_ids == w.token_ids and g.top_ids == w.top_ids
        assert max(abs(a - b) for a, b in zip(g.logprobs, w.logprobs)) < 1e-5
        assert (
            max(abs(a - b) for ga, wa in zip(g.top_logprobs, w.top_logprobs) for a, b in zip(ga, wa)) < 1e-5
        )
    assert got[0].token_ids[-1] == tok.eos_token_id  # the eos text is scored as the eos token
    def tokenize(text, special):
        return tok(text, add_special_tokens=special)["input_ids"]

    # a server without prompt_logprobs (llama-server, OpenAI) says it cannot score
    with FakeOpenAIServer(tokenize=tokenize) as plain, pytest.raises(TeacherError, match="cannot score"):
        OpenAICompatTeacher(base_url=plain.url, model="fake-model", api="completions").score(["a"], ["b"])
    local.close()
