"""ELAD's selectors on hand-made explanations: known answers -> known scores.

Three pool items with scripted student outputs (greedy explanation, early answers after each
step, samples, log-probabilities); every expected score below is worked out by hand.
"""

import math
import random

import pytest
from distillkit_plugins.elad.baselines import (
    AnswerEntropySelector,
    LeastConfidenceSelector,
    RandomSelector,
    SelfConsistencySelector,
)
from distillkit_plugins.elad.elad_selector import ELADSelector
from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

from distillkit.components import SelectionContext
from distillkit.components.selector import STUDENT
from distillkit.types import Example
from tests.plugins.elad_fakes import CUE, ScriptedStudent

TASK = SyntheticArithmetic()
E1, E2, E3 = (Example(f"e{i}", f"question {i}", "9") for i in (1, 2, 3))
POOL = [E1, E2, E3]


def prompt(e):
    return f"Q: {e.question}\nA:\n"


GREEDY = {
    E1: "2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9\nSo the answer is 9.",  # early answers 5, 10 then 9
    E2: "4 + 5 = 9\n9 * 1 = 9\nSo the answer is 9.",  # early answer 9 then 9
    E3: "1 + 4 = 5\n5 + 4 = 9\n9 * 1 = 9\nSo the answer is 9.",  # early answers 5, 9 then 9
}
EARLY = {
    E1: {"2 + 3 = 5": " 5.", "2 + 3 = 5\n5 * 2 = 10": " 10."},
    E2: {"4 + 5 = 9": " 9."},
    E3: {"1 + 4 = 5": " 5.", "1 + 4 = 5\n5 + 4 = 9": " 9."},
}
SAMPLED = {  # the first sample is the greedy explanation (the scripted student's convention)
    E1: ["So the answer is 7.", "So the answer is 7.", "So the answer is 9."],  # 9 7 7 9
    E2: ["So the answer is 9."] * 3,  # 9 9 9 9
    E3: ["So the answer is 8.", "So the answer is 7.", "So the answer is 6."],  # 9 8 7 6
}
H3 = (-(1 / 3) * math.log(1 / 3) - (2 / 3) * math.log(2 / 3)) / math.log(3)  # answers 5, 9, 9


def scripted(logprobs=None):
    replies = {}
    for e in POOL:
        replies[prompt(e)] = [GREEDY[e], *SAMPLED[e]]
        for prefix, answer in EARLY[e].items():
            replies[prompt(e) + prefix + CUE] = [answer]
    return ScriptedStudent().script(replies, logprobs)


def ctx(student, seed=0):
    return SelectionContext(round=0, task=TASK, rng=random.Random(seed), student=student, inference_prompt=prompt)


def scores_by_id(selections):
    return {s.example.id: s.score for s in selections}


def sampled_calls(student):
    return [c for c in student.calls if c.get("temperature", 0) > 0]


def greedy_calls(student):
    return [c for c in student.calls if c.get("temperature") == 0]


def test_elad_intra_entropy_inter_entropy_mixed_by_lambda():
    student = scripted()
    sel = ELADSelector(lam=0.5, num_samples=4).select(POOL, None, ctx(student))
    assert scores_by_id(sel) == pytest.approx({"e1": 0.5 * 1.0 + 0.5 * 0.5, "e2": 0.0, "e3": 0.5 * H3 + 0.5 * 1.0})
    assert [s.example.id for s in sel] == ["e3", "e1", "e2"]
    d1 = next(s.details for s in sel if s.example.id == "e1")
    assert d1["early_answers"] == ["5", "10", "9"] and d1["final_answer"] == "9"
    assert d1["sampled_answers"] == ["9", "7", "7", "9"]
    assert d1["u_intra"] == pytest.approx(1.0) and d1["u_inter"] == pytest.approx(0.5)
    assert d1["score"] == pytest.approx(0.75)
    # the scored greedy explanation travels as a typed field, not as a detail the runner must know
    assert {s.example.id: s.student_output for s in sel} == {e.id: GREEDY[e] for e in POOL}
    assert all("student_explanation" not in s.details for s in sel)


def test_elad_flip_rate_counts_early_answers_that_differ_from_the_final_one():
    sel = ELADSelector(lam=1.0, intra="flip_rate").select(POOL, None, ctx(scripted()))
    assert scores_by_id(sel) == pytest.approx({"e1": 1.0, "e2": 0.0, "e3": 0.5})


def test_elad_computes_only_the_signals_lambda_needs():
    only_intra = scripted()
    ELADSelector(lam=1.0).select(POOL, 2, ctx(only_intra))
    assert not sampled_calls(only_intra) and greedy_calls(only_intra)
    only_inter = scripted()
    sel = ELADSelector(lam=0.0, num_samples=4).select(POOL, 2, ctx(only_inter))
    assert not greedy_calls(only_inter) and len(sampled_calls(only_inter)) == 1
    assert scores_by_id(sel) == pytest.approx({"e3": 1.0, "e1": 0.5})
    assert all(s.student_output is None for s in sel)  # no greedy explanation was generated


def test_early_answers_of_all_items_go_in_one_batched_call():
    student = scripted()
    ELADSelector(lam=1.0).select(POOL, None, ctx(student))
    cue_calls = [c for c in student.calls if "prompts" in c and c["prompts"][0].endswith(CUE)]
    assert len(cue_calls) == 1 and len(cue_calls[0]["prompts"]) == 2 + 1 + 2


def test_empty_prefix_adds_the_answer_before_any_step():
    student = scripted()
    for e in POOL:
        student.replies[prompt(e) + CUE] = [" 9."]
    sel = ELADSelector(lam=1.0, include_empty_prefix=True).select(POOL, None, ctx(student))
    e2 = next(s for s in sel if s.example.id == "e2")
    assert e2.details["early_answers"] == ["9", "9", "9"] and e2.score == 0.0


def test_an_explanation_without_an_answer_is_asked_for_one_after_all_steps():
    e4 = Example("e4", "question 4", "10")
    student = scripted()
    student.replies[prompt(e4)] = ["2 + 3 = 5\n5 * 2"]  # cut off: no answer statement
    student.replies[prompt(e4) + "2 + 3 = 5" + CUE] = [" 5."]
    student.replies[prompt(e4) + "2 + 3 = 5\n5 * 2" + CUE] = [" I am not sure"]
    sel = ELADSelector(lam=1.0).select([e4], None, ctx(student))
    assert sel[0].details["early_answers"] == ["5", None] and sel[0].score == pytest.approx(1.0)


def test_answer_entropy_and_self_consistency_on_the_same_samples():
    ent = AnswerEntropySelector(num_samples=4).select(POOL, None, ctx(scripted()))
    assert scores_by_id(ent) == pytest.approx({"e1": 0.5, "e2": 0.0, "e3": 1.0})
    sc = SelfConsistencySelector(num_samples=4).select(POOL, None, ctx(scripted()))
    assert scores_by_id(sc) == pytest.approx({"e1": 2 / 3, "e2": 0.0, "e3": 1.0})  # (4 - majority) / (4 - 1)
    assert next(s for s in sc if s.example.id == "e1").details["majority"] == "9"


def test_least_confidence_from_the_probability_of_the_own_answer():
    def key(e):
        steps = GREEDY[e].rsplit("\n", 1)[0]
        return (prompt(e) + steps + CUE, " 9")

    lps = {key(E1): [math.log(0.5), math.log(0.8)], key(E2): [math.log(0.9)], key(E3): [math.log(0.2)]}
    sel = LeastConfidenceSelector().select(POOL, 1, ctx(scripted(lps)))
    assert [(s.example.id, s.score) for s in sel] == [("e3", pytest.approx(0.8))]
    assert sel[0].details["confidence"] == pytest.approx(0.2)
    assert sel[0].student_output == GREEDY[E3]
    every = scores_by_id(LeastConfidenceSelector().select(POOL, None, ctx(scripted(lps))))
    assert every == pytest.approx({"e1": 0.6, "e2": 0.1, "e3": 0.8})


def test_least_confidence_of_the_explanation_is_length_normalised():
    lps = {(prompt(e), GREEDY[e]): [math.log(p)] * 4 for e, p in ((E1, 0.5), (E2, 0.9), (E3, 0.25))}
    sel = LeastConfidenceSelector(confidence_of="explanation").select(POOL, None, ctx(scripted(lps)))
    assert scores_by_id(sel) == pytest.approx({"e1": 0.5, "e2": 0.1, "e3": 0.75})


def test_ties_are_broken_by_the_seeded_rng_not_by_pool_order():
    clones = [Example(f"c{i}", E2.question, "9") for i in range(6)]
    sel = ELADSelector(lam=1.0)
    picks = {seed: [s.example.id for s in sel.select(clones, 3, ctx(scripted(), seed))] for seed in range(8)}
    assert picks[0] == [s.example.id for s in sel.select(clones, 3, ctx(scripted(), 0))]
    assert len({tuple(p) for p in picks.values()}) > 1
    assert any(p != ["c0", "c1", "c2"] for p in picks.values())


def test_max_pool_scores_a_seeded_subset():
    student = scripted()
    sel = ELADSelector(lam=1.0, max_pool=2).select(POOL, None, ctx(student))
    assert len(sel) == 2
    assert len(greedy_calls(student)[0]["prompts"]) == 2


def test_random_selector_needs_no_student_and_is_seeded():
    assert RandomSelector.needs == frozenset() and ELADSelector.needs == frozenset({STUDENT})
    pool = [Example(str(i), f"q{i}", "1") for i in range(20)]
    a = RandomSelector().select(pool, 5, ctx(None, seed=3))
    b = RandomSelector().select(pool, 5, ctx(None, seed=3))
    assert [s.example.id for s in a] == [s.example.id for s in b] and len({s.example.id for s in a}) == 5
    assert len(RandomSelector().select(pool, 50, ctx(None))) == 20


def test_a_selector_without_a_student_says_so():
    with pytest.raises(RuntimeError, match="needs the student"):
        ELADSelector().select(POOL, 1, ctx(None))


def test_max_cuts_bounds_the_early_answers_of_long_explanations():
    long = Example("long", "question long", "9")
    lines = [f"{i} + 1 = {i + 1}" for i in range(10)]
    student = ScriptedStudent().script({prompt(long): ["\n".join(lines) + "\nSo the answer is 10."]})
    for k in range(1, 10):
        student.replies[prompt(long) + "\n".join(lines[:k]) + CUE] = [f" {k + 1}."]
    sel = ELADSelector(lam=1.0, max_cuts=3).select([long], None, ctx(student))
    assert sel[0].details["early_answers"] == ["2", "6", "10", "10"]  # cuts after steps 1, 5 and 9, then final
    assert len(next(c for c in student.calls if c["prompts"][0].endswith(CUE))["prompts"]) == 3
