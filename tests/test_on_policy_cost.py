"""Scoring has a price: openai_compat with ``prices`` charges what the server read (prompt + completion
tokens) and the one token it wrote; the Scorer sums it (cache hits are free), the on_policy loss reports
it as the round's cost and stops on-policy steps at ``max_scoring_cost``."""

from __future__ import annotations

import pytest
from distillkit_plugins.hf.byte_tokenizer import byte_tokenizer
from distillkit_plugins.on_policy.loss import OnPolicy
from distillkit_plugins.on_policy.scorer import ScoreCache, Scorer
from distillkit_plugins.openai_compat.teacher import OpenAICompatTeacher

from distillkit.testing.server import FakeOpenAIServer

TOK = byte_tokenizer()


def _tokenize(text, special):
    return TOK(text, add_special_tokens=special)["input_ids"]


def _rows(ids, k):  # every token at log-prob -1, ranked first
    return [None] + [{t: {"logprob": -1.0, "rank": 1, "decoded_token": "x"}} for t in ids[1:]]


def test_scoring_through_a_priced_server_costs_its_tokens_once(tmp_path):
    prompts, completions = ["abcd", "xy"], ["hello", "ok"]
    # 1 per prompt token read, 10 per token written (vLLM writes one token per scoring request)
    prices = {"input_per_1m": 1e6, "output_per_1m": 1e7}
    with FakeOpenAIServer(tokenize=_tokenize, prompt_logprobs=_rows) as server:
        teacher = OpenAICompatTeacher(base_url=server.url, model="fake-model", api="completions",
                                      prices=prices)
        scores = teacher.score(prompts, completions)
        read = [len(_tokenize(p, True)) + len(_tokenize(c, False)) for p, c in zip(prompts, completions)]
        assert [s.cost for s in scores] == pytest.approx([r + 10 for r in read])
        scorer = Scorer("t", teacher, ScoreCache(tmp_path / "c.sqlite"))
        scorer.score(prompts, completions)
        assert scorer.spent()["cost"] == pytest.approx(sum(read) + 20)
        scorer.score(prompts, completions)  # cache hits: paid once
        assert scorer.spent()["cost"] == pytest.approx(sum(read) + 20) and scorer.cache_hits == 2
        unpriced = OpenAICompatTeacher(base_url=server.url, model="fake-model", api="completions")
        assert [s.cost for s in unpriced.score(prompts, completions)] == [None, None]


def test_on_policy_reports_the_scoring_cost_and_stops_at_its_cap():
    class Priced:
        def identity(self):
            return {"type": "priced"}

        options = type("O", (), {"max_retries": 0, "backoff_s": 0.0})()

        def score(self, prompts, completions, *, top_k=0):
            from distillkit.types import TokenLogprobs

            return [TokenLogprobs([1] * len(c), [-1.0] * len(c), cost=0.5 * len(c)) for c in completions]

    loss = OnPolicy(teachers=[{"id": "t"}], max_scoring_cost=3.0)
    loss.bind_teachers({"t": Priced()})
    loss._scorers = [Scorer("t", Priced())]  # what prepare_training builds
    assert loss._budget_left()
    loss._scorers[0].score(["p", "q"], ["ab", "cde"])  # 2.5 spent: still under the cap
    assert loss._budget_left() and loss.teacher_spend()["cost"] == pytest.approx(2.5)
    loss._scorers[0].score(["p"], ["zz"])
    assert not loss._budget_left() and loss.teacher_spend()["cost"] == pytest.approx(3.5)
    assert loss.teacher_spend()["by_teacher"]["t"]["cost"] == pytest.approx(3.5)
