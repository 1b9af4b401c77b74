"""synthetic_arithmetic (seeded, held-out, computed gold) and the synthetic_solver teacher."""

from __future__ import annotations

import pytest
from distillkit_plugins.tasks.synthetic.problems import ArithmeticProblem
from distillkit_plugins.tasks.synthetic.steps import Step, apply, parse_steps
from pydantic import ValidationError

from distillkit.errors import DataError, TeacherError
from distillkit.types import Example, TeacherRequest


def small_task(registry, **options):
    sizes = {"train_size": 60, "validation_size": 20, "test_size": 20}
    return registry.create("task", "synthetic_arithmetic", **{**sizes, **options})


def recompute(example: Example) -> int:
    value = example.meta["start"]
    for step in example.meta["steps"]:
        assert step["left"] == value
        value = apply(step["op"], value, step["operand"])
        assert value == step["result"]
    return value


def test_gold_steps_and_answer_are_computed(registry):
    splits = small_task(registry, min_steps=2, max_steps=4, operations=["+", "-", "*", "/"]).load()
    assert splits.sizes() == {"train": 60, "validation": 20, "test": 20}
    for example in splits.train + splits.test:
        assert str(recompute(example)) == example.answer
        assert 2 <= len(example.meta["steps"]) <= 4
        assert all(0 <= s["result"] <= 99 for s in example.meta["steps"])
        lines = example.rationale.splitlines()
        assert lines[-1].endswith(f"= {example.answer}") and len(lines) == len(example.meta["steps"])


def test_question_text_reads_like_the_spec():
    problem = ArithmeticProblem.from_ops(7, [("+", 5), ("*", 3), ("-", 4)])
    assert problem.question() == "Start with 7. Add 5. Then multiply by 3. Then subtract 4. What is the result?"
    assert problem.rationale() == "7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32" and problem.answer == 32
    assert ArithmeticProblem.from_question(problem.question()) == problem


def test_seeded_reproducible_and_held_out(registry):
    a, b = small_task(registry, seed=3).load(), small_task(registry, seed=3).load()
    assert [e.question for e in a.train] == [e.question for e in b.train]
    other = small_task(registry, seed=4).load()
    assert [e.question for e in a.test] != [e.question for e in other.test]
    questions = [e.question for e in a.train + a.validation + a.test]
    assert len(set(questions)) == len(questions)
    bigger = small_task(registry, seed=3, train_size=120).load()
    assert [e.question for e in bigger.test] == [e.question for e in a.test]  # test fixed when train grows


def test_difficulty_knobs(registry):
    splits = small_task(registry, min_steps=5, max_steps=5, min_operand=10, max_operand=20, max_value=500,
                        operations=["+"]).load()
    for example in splits.train:
        steps = example.meta["steps"]
        assert len(steps) == 5 and all(s["op"] == "+" and 10 <= s["operand"] <= 20 for s in steps)


def test_words_style_rationale(registry):
    example = small_task(registry, rationale_style="words").load().train[0]
    assert example.rationale.splitlines()[0].endswith(f"to get {example.meta['steps'][0]['result']}.")
    assert [w.step.result for w in parse_steps(example.rationale)] == [s["result"] for s in example.meta["steps"]]


def test_impossible_knobs_are_clear_errors(registry):
    with pytest.raises(ValidationError, match="min_steps"):
        small_task(registry, min_steps=4, max_steps=2)
    with pytest.raises(DataError, match="too few distinct problems"):
        small_task(registry, min_steps=1, max_steps=1, max_operand=2, operations=["+"]).load()


def test_parse_steps_reads_both_styles_and_symbols():
    text = "Step 1: 7 + 5 = 12\nThen 12 x 3 = 36.\nSubtract 4 from 36 to get 32.\nDivide 32 by 4 to get 8.\nno step"
    assert [w.step for w in parse_steps(text)] == [
        Step(7, "+", 5, 12), Step(12, "*", 3, 36), Step(36, "-", 4, 32), Step(32, "/", 4, 8)
    ]


PROBLEM = ArithmeticProblem.from_ops(7, [("+", 5), ("*", 3), ("-", 4)])
EXAMPLE = Example("arith-x", PROBLEM.question(), "32", rationale=PROBLEM.rationale(), meta=PROBLEM.meta())


def ask(registry, student=None, example=EXAMPLE, purpose="rationale", **options):
    teacher = registry.create("teacher", "synthetic_solver", **options)
    context = {} if student is None else {"student_explanation": student}
    return teacher.generate_request(TeacherRequest("prompt", example, purpose, context))


def test_solver_rationale_exact(registry):
    assert ask(registry) == "7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 32."
    words = ask(registry, style="words", answer_phrase="Therefore the answer is")
    assert words.splitlines() == [
        "Add 5 to 7 to get 12.", "Multiply 12 by 3 to get 36.", "Subtract 4 from 36 to get 32.",
        "Therefore the answer is 32.",
    ]


def test_solver_reads_the_question_when_meta_is_missing(registry):
    bare = Example("q", PROBLEM.question(), "32")
    assert ask(registry, example=bare).endswith("So the answer is 32.")
    with pytest.raises(TeacherError, match="not a synthetic_arithmetic problem"):
        ask(registry, example=Example("q2", "What is the capital of France?", "Paris"))


def test_noisy_solver_is_seeded_and_continues_from_wrong_values(registry, ):
    examples = [Example(f"arith-{i}", PROBLEM.question(), "32", meta=PROBLEM.meta()) for i in range(40)]
    outs = [ask(registry, example=e, error_rate=0.5, seed=2) for e in examples]
    assert outs == [ask(registry, example=e, error_rate=0.5, seed=2) for e in examples]
    wrong = [o for o in outs if not o.endswith("32.")]
    assert 5 < len(wrong) < 40
    for out in outs:
        steps = [w.step for w in parse_steps(out)]
        assert steps[0].left == 7 and all(steps[i + 1].left == steps[i].result for i in range(2))
        assert out.endswith(f"So the answer is {steps[-1].result}.")
    assert all(ask(registry, example=e, error_rate=1.0) != ask(registry, example=e) for e in examples[:5])


@pytest.mark.parametrize(
    ("student", "expected"),
    [
        ("7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 32.",
         "7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 32.\nVerdict: all steps correct"),
        ("Step 1: 7 + 5 = 12\nStep 2: 12 * 3 = 35\nStep 3: 35 - 4 = 31\nSo the answer is 31.",
         "Step 1: 7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 32.\nVerdict: step 2 is wrong"),
        ("7 + 5 = 12\n12 + 3 = 15\n15 - 4 = 11",  # right arithmetic, wrong operation
         "7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 32.\nVerdict: step 2 is wrong"),
        ("7 + 5 = 12\n12 * 3 = 36\nSo the answer is 36.",
         "7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 32.\nVerdict: step 3 is missing"),
        ("7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 36.",
         "7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 32.\nVerdict: final answer is wrong"),
        ("7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\n32 + 1 = 33\nSo the answer is 33.",
         "7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 32.\nVerdict: step 4 is wrong"),
        ("I think it is 30.", "7 + 5 = 12\n12 * 3 = 36\n36 - 4 = 32\nSo the answer is 32.\nVerdict: no steps found"),
    ],
)
def test_solver_revision(registry, student, expected):
    assert ask(registry, student) == expected


def test_the_context_decides_what_the_solver_writes_not_the_purpose_label(registry):
    rationale = ask(registry, error_rate=0.5, seed=3)
    assert ask(registry, purpose="demonstration", error_rate=0.5, seed=3) == rationale
    assert ask(registry, purpose="revision", error_rate=0.5, seed=3) == rationale
    assert ask(registry, "", error_rate=0.5, seed=3).endswith("Verdict: no steps found")
