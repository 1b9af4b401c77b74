"""ELAD revision replies as small real models write them: verdicts, answers, JSON, fallbacks.

The student explanation is WRONG_AT_2 (step 2 miscomputed) unless a case says otherwise.
Replies marked "SmolLM2" are SmolLM2-135M-Instruct's own (greedy, bench/elad_parse_rate.py
prompts); the others are the shapes small instruct models use (markdown, lists, prose).
"""

import json

import pytest
from distillkit_plugins.elad.report import outcome_kind
from distillkit_plugins.elad.revision import TeacherRevision
from distillkit_plugins.elad.revision_parser import RevisionRules, parse_revision
from distillkit_plugins.elad.steps import split_explanation
from distillkit_plugins.elad.structured_reply import load_reply, reply_as_text
from distillkit_plugins.elad.verdict import VerdictError, find_verdict
from distillkit_plugins.hf.structured import validate
from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

from distillkit.components import StrategyContext
from distillkit.types import Example

TASK = SyntheticArithmetic(train_size=4, validation_size=0, test_size=0)
FMT = TASK.answer_format
EX = Example("x", "Start with 2. Add 3. Then multiply by 2. Then subtract 1. What is the result?", "9")
WRONG_AT_2 = "2 + 3 = 5\n5 * 2 = 11\n11 - 1 = 10\nSo the answer is 10."


def parse(reply, student=WRONG_AT_2, **rules):
    return parse_revision(reply, split_explanation(student, "lines"), EX, FMT, RevisionRules(**rules))


# (reply, expected verdict kind or None, first wrong step)
VERDICTS = [
    # the two misreads of the old parser
    ("2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9\nSo the answer is 9.\nVerdict: not all steps correct", "error", None),
    ("Step 1 is correct. Step 2 is correct but step 3 is wrong.", "step_wrong", 3),
    ("Verdict: step 2 is correct but step 3 is wrong", "step_wrong", 3),
    # negations
    ("Verdict: Step 2 is not correct.", "step_wrong", 2),
    ("Step 1 isn't wrong. Step 2 isn't correct: 5 * 2 is 10.", "step_wrong", 2),
    ("There are no mistakes in the student's steps.", "correct", None),
    ("Verdict: no errors", "correct", None),
    ("Step 2 is not wrong.", None, None),  # says nothing about the rest: no verdict
    # plain prose without a Verdict line
    ("All steps are correct.", "correct", None),
    ("Step 3 is incorrect.", "step_wrong", 3),
    ("The first mistake is in step 2. It should be 5 * 2 = 10.", "step_wrong", 2),
    ("The first step is incorrect.", "step_wrong", 1),
    ("The first wrong step is: step 3", "step_wrong", 3),
    ("All steps are correct, but the final answer is wrong.", "answer_wrong", None),
    ("The correct answer is 9.", None, None),  # "correct answer" is no judgement of the steps
    # markdown and lists
    ("**Verdict:** **Step 2 is wrong**", "step_wrong", 2),
    ("### Verdict:\n**step 2 is wrong**", "step_wrong", 2),
    ("- Step 1: correct\n- Step 2: incorrect (5 * 2 = 10, not 11)\n- Step 3: correct", "step_wrong", 2),
    ("1. Step 1: 2 + 3 = 5 ✅\n2. Step 2: 5 * 2 = 11 ❌ (should be 10)\n", "step_wrong", 2),
    ("Step 1. 2 + 3 = 5. Step 2. 5 * 2 = 11 is wrong.", "step_wrong", 2),
    ("> Verdict: Final answer is wrong.", "answer_wrong", None),
    ("VERDICT - STEP 3 IS MISSING", "step_wrong", 3),
    ("Verdict: step two is wrong", "step_wrong", 2),
    # the prompt's own list echoed back is not a verdict (SmolLM2 does this)
    (("Verdict: all steps correct\nVerdict: final answer is wrong\nVerdict: step K is wrong\n"
      "Verdict: step K is missing"), None, None),
    ("Verdict: The student's solution is incorrect.", "error", None),  # wrong, but not where
    # SmolLM2 (configs/elad/smollm2_cpu.yaml, round 0): ordinals in a loop; the first one counts
    (("Step 2: 1. \nThe first step is incorrect.\n\nStep 3: 2. \nThe second step is incorrect.\n\n"
      "Step 4: 3. \nThe third step is incorrect."), "step_wrong", 1),
    # SmolLM2 (bench item 0): it continues the student's steps until the token limit, judging nothing
    ("Step 1: 3 + 9 = 12\nStep 2: 12 * 4 = 48\nStep 3: 48 * 4 = 204\nStep 4: 204 * 4 = 800\nStep 5: 8",
     None, None),
]


@pytest.mark.parametrize(("reply", "kind", "step"), VERDICTS)
def test_real_style_verdicts(reply, kind, step):
    if kind == "error":
        with pytest.raises(VerdictError, match="not which step"):
            find_verdict(reply)
        return
    verdict = find_verdict(reply)
    got = (verdict.kind, verdict.step) if verdict else None
    assert got == ((kind, step) if kind else None)


def test_not_all_correct_is_never_kept_and_falls_back_to_the_teachers_solution():
    out = parse("2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9\nSo the answer is 9.\nVerdict: not all steps correct")
    assert (out.kind, out.answer, out.rationale) == ("full", "9", "2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9")
    assert "not which step" in out.fallback


def test_correct_but_wrong_later_revises_from_the_wrong_step():
    student = "2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 8\nSo the answer is 8."
    out = parse("Step 1 is right. Step 2 is correct but step 3 is wrong.\n2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9\n"
                "So the answer is 9.", student)
    assert (out.kind, out.verdict.step, out.kept_steps, out.answer) == ("revised", 3, 2, "9")
    assert out.rationale == "2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9"  # the judgement prose is not kept


def test_a_reply_without_any_verdict_is_a_counted_fallback():
    out = parse("Let's check. 2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9\nThe answer is 9.")
    assert (out.kind, out.answer, out.verdict) == ("full", "9", None)
    assert out.fallback == "no verdict line (expected 'Verdict: ...')"
    assert parse("5 * 2 = 10 and then it goes on").kind == "error"  # no answer: truly unusable
    looping = parse("Step 1: 2 + 3 = 5\nStep 2: 5 * 2 = 10\nStep 3: 10 * 2 = 20\nStep 4: 20 * 2 = 4")
    assert looping.kind == "error" and "states no final answer" in looping.error


# JSON replies (structured outputs), as a constrained decoder writes them
FIXED = ["2 + 3 = 5", "5 * 2 = 10", "10 - 1 = 9"]
STEP2 = {"verdict": "a step is wrong", "first_wrong_step": 2, "steps": FIXED, "final_answer": "9"}


def test_json_revision_is_read_like_its_text_form():
    out = parse(json.dumps(STEP2))
    assert (out.kind, out.verdict.step, out.kept_steps, out.answer) == ("revised", 2, 1, "9")
    assert out.rationale == "2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9"
    kept = parse(json.dumps({"verdict": "all steps correct", "first_wrong_step": 0, "steps": [],
                             "final_answer": "10"}))
    assert (kept.kind, kept.rationale) == ("kept", "2 + 3 = 5\n5 * 2 = 11\n11 - 1 = 10")
    fenced = parse("```json\n" + json.dumps({**STEP2, "verdict": "final answer is wrong"}) + "\n```")
    assert fenced.verdict.kind == "answer_wrong" and fenced.answer == "9"


def test_json_cut_off_by_the_token_limit_is_closed_where_it_stopped():
    cut = json.dumps(STEP2)[:-25]  # inside the last step
    assert load_reply(cut) == {"verdict": "a step is wrong", "first_wrong_step": 2,
                               "steps": ["2 + 3 = 5", "5 * 2 = 10", "10 - 1 ="]}
    assert parse(cut).kind == "error" and "states no final answer" in parse(cut).error
    assert load_reply('{"verdict": "a st') == {"verdict": "a st"} and load_reply("no json {here}") is None


def test_json_step_wrong_without_a_step_number_falls_back():
    out = parse(json.dumps({**STEP2, "first_wrong_step": 0}))
    assert out.kind == "full" and "not which step" in out.fallback and out.answer == "9"
    assert reply_as_text(json.dumps({**STEP2, "first_wrong_step": 0})).endswith("Verdict: a step is wrong")


def strategy(explanations, **options):
    s = TeacherRevision(**options)
    s.prepare(StrategyContext(TASK, [], 0, explanations))
    return s


def test_the_strategy_asks_for_a_schema_its_replies_fit():
    s = strategy({"x": WRONG_AT_2, "y": "o\ufffd\ufffd\ufffd\ufffd\x08\ufffd"})
    schema = s.response_schema(EX)
    assert list(schema["properties"]) == ["verdict", "first_wrong_step", "steps", "final_answer"]
    assert schema["properties"]["first_wrong_step"]["enum"] == [0, 1, 2, 3, 4]  # 3 student steps
    assert validate(STEP2, schema) == [] and validate({**STEP2, "first_wrong_step": 9}, schema)
    assert s.outcome(json.dumps(STEP2), EX).kind == "revised"
    noise = Example("y", EX.question, "9")  # an untrained byte-level student's output: nothing to revise
    assert "Student's steps" not in s.build_prompt(noise)
    assert list(s.response_schema(noise)["properties"]) == ["steps", "final_answer"]
    full = s.outcome(json.dumps({"steps": FIXED, "final_answer": "9"}), noise)
    assert (full.kind, full.answer, full.rationale.splitlines()[0]) == ("full", "9", "2 + 3 = 5")


def test_the_report_counts_fallbacks_apart_from_planned_full_rationales():
    revision_prompt = strategy({"x": WRONG_AT_2}).build_prompt(EX)
    assert outcome_kind("2 + 3 = 5\nSo the answer is 5.", True, True, revision_prompt) == "fallback"
    assert outcome_kind("2 + 3 = 5\nSo the answer is 5.", True, True, "Question: ...") == "full"
    assert outcome_kind(json.dumps(STEP2), True, True, revision_prompt) == "revised"
