"""The teacher_revision strategy: its prompt, its verdict reader and its revision parser."""

import pytest
from distillkit_plugins.elad.revision import TeacherRevision
from distillkit_plugins.elad.revision_parser import RevisionRules, parse_revision
from distillkit_plugins.elad.steps import split_explanation
from distillkit_plugins.elad.verdict import VerdictError, find_verdict
from distillkit_plugins.tasks.synthetic.solver import SyntheticSolver
from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

from distillkit.components import StrategyContext
from distillkit.types import Example, TeacherRequest

TASK = SyntheticArithmetic(train_size=4, validation_size=0, test_size=0)
FMT = TASK.answer_format
EX = Example("x", "Start with 2. Add 3. Then multiply by 2. Then subtract 1. What is the result?", "9")
WRONG_AT_2 = "2 + 3 = 5\n5 * 2 = 11\n11 - 1 = 10\nSo the answer is 10."
RIGHT = "2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9\nSo the answer is 9."


def parse(reply, student=WRONG_AT_2, **rules):
    return parse_revision(reply, split_explanation(student, "lines"), EX, FMT, RevisionRules(**rules))


@pytest.mark.parametrize(("reply", "kind", "step"), [
    ("x\nVerdict: step 2 is wrong", "step_wrong", 2),
    ("x\nVerdict: step 3 is missing", "step_wrong", 3),
    ("**Verdict:** All steps correct.", "correct", None),
    ("Verdict - every step is correct", "correct", None),
    ("verdict: FINAL ANSWER IS WRONG", "answer_wrong", None),
    ("Verdict: no steps found", "no_steps", None),
    ("The first wrong step is step 3.\n...", "step_wrong", 3),
    ("There is an error in step 1.", "step_wrong", 1),
    ("All the steps are correct.", "correct", None),
    ("Verdict: step 1 is wrong\n...\nVerdict: step 2 is wrong", "step_wrong", 2),  # the last verdict counts
])
def test_verdicts_are_read_leniently(reply, kind, step):
    verdict = find_verdict(reply)
    assert (verdict.kind, verdict.step) == (kind, step)


def test_missing_and_unreadable_verdicts():
    assert find_verdict("2 + 3 = 5\nSo the answer is 5.") is None
    with pytest.raises(VerdictError, match="unreadable verdict 'hard to say'"):
        find_verdict("Verdict: hard to say")
    assert find_verdict("Verdict: looks fine to me").kind == "correct"
    with pytest.raises(VerdictError, match="steps are numbered from 1"):
        find_verdict("Verdict: step 0 is wrong")
    assert find_verdict("Verdict: not correct, step 2 is wrong").step == 2


def test_revision_keeps_the_correct_prefix_and_takes_the_rewrite():
    out = parse(RIGHT + "\nVerdict: step 2 is wrong")
    assert (out.kind, out.rationale, out.answer) == ("revised", "2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9", "9")
    assert out.kept_steps == 1 and out.verdict.step == 2
    assert out.to_parsed().ok and out.to_parsed().answer == "9"


def test_a_reply_that_starts_at_the_wrong_step_gets_the_student_prefix_back():
    student = "Step 1: 2 + 3 = 5\nStep 2: 5 * 2 = 11\nSo the answer is 11."
    out = parse("Verdict: step 2 is wrong\nStep 2: 5 * 2 = 10\nStep 3: 10 - 1 = 9\nSo the answer is 9.", student)
    assert out.rationale == "Step 1: 2 + 3 = 5\nStep 2: 5 * 2 = 10\nStep 3: 10 - 1 = 9" and out.kept_steps == 1


def test_step_labels_the_student_does_not_write_are_dropped():
    reply = "Step 1: 2 + 3 = 5\nStep 2: 5 * 2 = 10\nStep 3: 10 - 1 = 9\nSo the answer is 9.\nVerdict: step 2 is wrong"
    assert parse(reply).rationale == "2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9"
    assert parse(reply, match_student_style=False).rationale.startswith("Step 1: 2 + 3 = 5")


def test_all_correct_keeps_the_student_explanation_or_takes_the_teachers():
    kept = parse("Verdict: all steps correct", RIGHT)
    assert (kept.kind, kept.rationale, kept.answer, kept.kept_steps) == ("kept", RIGHT.rsplit("\n", 1)[0], "9", 3)
    teacher = "Add first: 2 + 3 = 5\nDouble: 5 * 2 = 10\nMinus one: 10 - 1 = 9\nSo the answer is 9.\n"
    full = parse(teacher + "Verdict: all steps correct", RIGHT, keep_correct_student_explanation=False)
    assert (full.kind, full.rationale.splitlines()[0], full.answer) == ("full", "Add first: 2 + 3 = 5", "9")
    none = parse(teacher + "Verdict: all steps correct", RIGHT, keep_correct_student_explanation=False,
                 fallback_to_full_rationale=False)
    assert none.kind == "error" and "keep_correct_student_explanation is off" in none.error


def test_a_wrong_final_answer_keeps_every_step_and_fixes_the_answer():
    student = "2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9\nSo the answer is 8."
    out = parse("Verdict: final answer is wrong\nSo the answer is 9.", student)
    assert (out.kind, out.rationale, out.answer, out.kept_steps) == ("revised", RIGHT.rsplit("\n", 1)[0], "9", 3)


def test_no_verdict_falls_back_to_a_full_rationale_or_is_an_error():
    full = parse("First 2 + 3 = 5.\nThen 5 * 2 = 10 and 10 - 1 = 9.\nSo the answer is 9.")
    assert (full.kind, full.answer) == ("full", "9") and full.verdict is None
    strict = parse("First 2 + 3 = 5.\nSo the answer is 9.", fallback_to_full_rationale=False)
    assert strict.kind == "error" and "no verdict line (expected 'Verdict: ...')" in strict.error
    assert strict.to_parsed().error == strict.error and strict.to_parsed().rationale is None


@pytest.mark.parametrize(("reply", "rules", "message"), [
    ("", {}, "empty output"),
    ("   \n", {}, "empty output"),
    ("2 + 3 = 5\n5 * 2 = 10\nVerdict: step 2 is wrong", {}, "states no final answer"),
    ("Verdict: step 2 is wrong", {}, "states no final answer"),
    ("So the answer is 9.\nVerdict: step 2 is wrong", {}, "no rewritten steps follow"),
    ("Verdict: perhaps", {"fallback_to_full_rationale": False}, "unreadable verdict 'perhaps'"),
    ("Verdict: perhaps", {}, "and the reply has no solution steps"),
    ("I think it is fine.", {}, "and the reply states no final answer"),
])
def test_parse_failures_say_why(reply, rules, message):
    out = parse(reply, **rules)
    assert out.kind == "error" and message in out.error


def test_loose_verdict_prose_is_not_kept_in_the_rationale():
    out = parse("The first wrong step is step 2.\n2 + 3 = 5\n5 * 2 = 10\n10 - 1 = 9\nSo the answer is 9.")
    assert out.kind == "revised" and "wrong step" not in out.rationale and out.kept_steps == 1


def strategy(explanations, **options):
    s = TeacherRevision(**options)
    s.prepare(StrategyContext(TASK, [], 0, explanations))
    return s


def test_prompt_shows_the_question_and_numbered_student_steps():
    prompt = strategy({"x": WRONG_AT_2}).build_prompt(EX)
    assert EX.question in prompt
    assert "Step 1: 2 + 3 = 5\nStep 2: 5 * 2 = 11\nStep 3: 11 - 1 = 10\nStudent's final line: So the answer is 10." in prompt
    assert prompt.rstrip().endswith("Verdict: step K is missing") and "write only the verdict" in prompt
    assert prompt == strategy({"x": WRONG_AT_2}).build_prompt(EX)  # deterministic: it is the cache key
    other = strategy({"x": WRONG_AT_2}, keep_correct_student_explanation=False).build_prompt(EX)
    assert "write the complete solution all the same" in other and other != prompt


def test_nothing_to_revise_asks_for_a_chain_of_thought_instead():
    s = strategy({"x": "So the answer is 3."})
    assert "Let's think step by step." in s.build_prompt(EX) and "Student's steps" not in s.build_prompt(EX)
    assert s.outcome("2 + 3 = 5, 5 * 2 = 10, 10 - 1 = 9.\nSo the answer is 9.", EX).kind == "full"
    strict = strategy({"x": ""}, fallback_to_full_rationale=False)
    assert "Student's steps:\nStudent's final line: (none)" in strict.build_prompt(EX)


def test_parse_before_prepare_and_garbage_output():
    with pytest.raises(RuntimeError, match="call prepare"):
        TeacherRevision().build_prompt(EX)
    parsed = strategy({"x": WRONG_AT_2}).parse("lorem ipsum", EX)
    assert not parsed.ok and parsed.error


@pytest.fixture(scope="module")
def problems():
    return TASK.load().train


def _round_trip(example, explanation, **options):
    s = strategy({example.id: explanation}, **options)
    # the request as the engine builds it: the strategy's purpose and context reach the solver
    request = TeacherRequest(s.build_prompt(example), example, s.purpose, s.request_context(example))
    return s.outcome(SyntheticSolver().generate_request(request), example)


def test_the_synthetic_solver_revision_is_read_back_as_the_gold_solution(problems):
    ex = problems[0]
    gold_lines = ex.rationale.splitlines()
    slipped = gold_lines[:-1] + [gold_lines[-1].rsplit("=", 1)[0] + "= 1000", "So the answer is 1000."]
    out = _round_trip(ex, "\n".join(slipped))
    assert out.kind == "revised" and out.rationale == ex.rationale and out.answer == ex.answer
    assert out.kept_steps == len(gold_lines) - 1 and out.verdict.step == len(gold_lines)


def test_the_synthetic_solver_verdicts_map_to_kept_and_full(problems):
    ex = problems[1]
    kept = _round_trip(ex, f"{ex.rationale}\nSo the answer is {ex.answer}.")
    assert (kept.kind, kept.rationale, kept.answer) == ("kept", ex.rationale, ex.answer)
    full = _round_trip(ex, "")
    assert (full.kind, full.rationale, full.answer) == ("full", ex.rationale, ex.answer)
    wrong_answer = _round_trip(ex, f"{ex.rationale}\nSo the answer is 1000.")
    assert (wrong_answer.kind, wrong_answer.rationale, wrong_answer.answer) == ("revised", ex.rationale, ex.answer)
