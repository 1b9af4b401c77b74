"""synthetic_elimination and elimination_solver: puzzles, splits, a teacher that misjudges and slips,
and ELAD's intra-explanation signal, which differs across items here (unlike on arithmetic)."""

import random
import re

import pytest
from distillkit_plugins.elad.elad_selector import ELADSelector
from distillkit_plugins.tasks.elimination.puzzles import (
    Puzzle,
    apply_clue,
    generate_puzzle,
    holds,
    parse_step,
)
from distillkit_plugins.tasks.elimination.solver import EliminationSolver
from distillkit_plugins.tasks.elimination.task import SyntheticElimination
from distillkit_plugins.tasks.synthetic.solver import STUDENT_EXPLANATION
from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

from distillkit.components import SelectionContext, StudentModel
from distillkit.errors import TeacherError
from distillkit.types import Example, TeacherRequest

PUZZLE = Puzzle((3, 8, 11, 14, 17), ("odd", "above 9", "below 15"))
GOLD = "odd rules out 8, 14; left 3, 11, 17\nabove 9 rules out 3; left 11, 17\nbelow 15 rules out 17; left 11"
EXAMPLE = Example("p1", PUZZLE.question(), "11", rationale=GOLD, meta=PUZZLE.meta())


def test_puzzle_solution_question_and_parsing_by_hand():
    assert PUZZLE.rationale() == GOLD and PUZZLE.answer == 11
    assert PUZZLE.question() == ("Options: 3, 8, 11, 14, 17. Clue: it is odd. Clue: it is above 9. "
                                 "Clue: it is below 15. Which is it?")
    assert [parse_step(line) for line in GOLD.splitlines()] == list(PUZZLE.solution())
    assert parse_step("So the answer is 11.") is None
    assert apply_clue("even", (3, 5)).render() == "even rules out 3, 5; left none"
    assert holds("above 9", 10) and not holds("above 9", 9) and holds("below 15", 14) and not holds("odd", 4)


def test_generated_puzzles_need_every_clue_and_leave_only_the_answer():
    rng, made = random.Random(3), 0
    for _ in range(300):
        p = generate_puzzle(rng, rng.randint(2, 4), 30, 2)
        if p is None:
            continue
        made += 1
        steps = p.solution()
        assert len(steps[-1].left) == 1 and all(1 <= len(s.ruled_out) <= 2 for s in steps)
        assert all(holds(c, p.answer) for c in p.clues) and len(set(p.clues)) == len(p.clues)
    assert made > 100


def test_splits_are_seeded_disjoint_and_carry_their_solution():
    a = SyntheticElimination(train_size=50, validation_size=20, test_size=20, seed=1).load()
    b = SyntheticElimination(train_size=80, validation_size=20, test_size=20, seed=1).load()
    assert a.test == b.test and a.validation == b.validation  # held-out splits fixed when train grows
    questions = [e.question for s in (a.train, a.validation, a.test) for e in s]
    assert len(set(questions)) == len(questions)
    for e in a.train:
        p = Puzzle.from_meta(e.meta)
        assert e.answer == str(p.answer) and e.rationale == p.rationale() and e.question == p.question()
    assert SyntheticElimination().answer_format.extract("left 4, 9\nSo the answer is 9.", a.train[0]) == "9"


def ask(teacher, explanation=None, example=EXAMPLE):
    context = {} if explanation is None else {STUDENT_EXPLANATION: explanation}
    return teacher.generate_request(TeacherRequest("prompt of five words here", example, context=context))


def test_exact_teacher_writes_the_gold_solution_and_revises_from_the_first_wrong_step():
    t = EliminationSolver()
    full = ask(t)
    assert full.text == GOLD + "\nSo the answer is 11." and full.prompt_tokens == 5
    assert full.completion_tokens == len(full.text.split())
    kept = ask(t, GOLD + "\nSo the answer is 11.").text
    assert kept.endswith("So the answer is 11.\nVerdict: all steps correct")
    bad = "odd rules out 8, 14; left 3, 11, 17\nabove 9 rules out 3, 11; left 17\nSo the answer is 17."
    lines = ask(t, bad).text.splitlines()
    assert lines == [*GOLD.splitlines(), "So the answer is 11.", "Verdict: step 2 is wrong"]
    short = ask(t, "odd rules out 8, 14; left 3, 11, 17").text.splitlines()
    assert short[-1] == "Verdict: step 2 is missing" and short[-2] == "So the answer is 11."
    wrong_answer = ask(t, GOLD + "\nSo the answer is 17.").text.splitlines()
    assert wrong_answer[-2:] == ["So the answer is 11.", "Verdict: final answer is wrong"]
    assert ask(t, "I do not know").text.endswith("Verdict: no steps found")


def test_a_teacher_that_always_misjudges_flags_right_steps_and_passes_wrong_answers():
    t = EliminationSolver(verdict_error_rate=1.0)
    assert ask(t, GOLD + "\nSo the answer is 11.").text.splitlines()[-1] == "Verdict: step 1 is wrong"
    bad = ("odd rules out 8, 14; left 3, 11, 17\nabove 9 rules out 3, 11; left 17\n"
           "below 15 rules out none; left 17")
    # every step wrongly judged: step 1 (right) is flagged and rewritten exactly (no slips here)
    assert ask(t, bad + "\nSo the answer is 17.").text.splitlines()[:3] == GOLD.splitlines()
    half = EliminationSolver(verdict_error_rate=0.5, seed=4)
    passed = [ask(half, bad + "\nSo the answer is 17.", Example(f"x{i}", "", "", meta=PUZZLE.meta())).text
              for i in range(40)]
    assert any(p.endswith("So the answer is 17.\nVerdict: all steps correct") for p in passed)


def slipped(lines):
    return sum(parse_step(line) not in PUZZLE.solution() for line in lines if parse_step(line))


def test_slips_hit_every_written_step_at_the_same_rate_in_full_and_in_revision():
    t = EliminationSolver(error_rate=1.0)
    full = ask(t).text.splitlines()
    assert slipped(full) == 3  # every step it writes slips
    student = "odd rules out 8, 14; left 3, 11, 17\nabove 9 rules out 3, 11; left 17"
    rewrite = ask(t, student).text.splitlines()
    assert rewrite[0] == "odd rules out 8, 14; left 3, 11, 17"  # the kept student step is verbatim
    assert parse_step(rewrite[1]) != PUZZLE.solution()[1]
    assert parse_step(rewrite[1]).clue == "above 9" and parse_step(rewrite[2]).clue == "below 15"


def test_a_non_elimination_example_is_a_located_teacher_error():
    with pytest.raises(TeacherError, match="elimination_solver: example 'q' is not a synthetic_elimination"):
        ask(EliminationSolver(), example=Example("q", "Start with 3.", "3"))


class FirstLeftGuesser(StudentModel):
    """Writes the gold solution; asked early, it guesses the first option still left (a partial guess)."""

    name = "first_left_guesser"

    def __init__(self, solutions):
        super().__init__()
        self.solutions = solutions

    def load(self, path=None):
        return None, None

    def save(self, path):
        raise AssertionError("never saved")

    def generate(self, prompts, *, max_new_tokens=64, num_samples=1, temperature=0.0, seed=0):
        out = []
        for p in prompts:
            if p.endswith("So the answer is"):
                # elimination: the list left; arithmetic: the value so far
                numbers = re.findall(r"(?:left|=) ([\d, ]+)", p)[-1]
                out.append([f" {numbers.split(',')[0].strip()}."] * num_samples)
            else:
                out.append([self.solutions[p]] * num_samples)
        return out


def intra_scores(task, pool):
    prompt = {e.id: f"Q: {e.question}\nA:\n" for e in pool}
    student = FirstLeftGuesser({prompt[e.id]: f"{e.rationale}\nSo the answer is {e.answer}." for e in pool})
    ctx = SelectionContext(round=0, task=task, rng=random.Random(0), student=student,
                           inference_prompt=lambda e: prompt[e.id])
    picked = ELADSelector(lam=1.0).select(pool, len(pool), ctx)
    return [s.details["u_intra"] for s in picked]


def test_intra_explanation_uncertainty_differs_across_elimination_items_unlike_arithmetic():
    task = SyntheticElimination(train_size=40, min_steps=2, max_steps=3)
    scores = intra_scores(task, task.load().train)
    assert len({round(s, 3) for s in scores}) >= 3 and min(scores) == 0.0 and max(scores) > 0.5
    assert sum(s < 0.9 for s in scores) >= 10
    arith = SyntheticArithmetic(train_size=40, min_steps=2, max_steps=3, operations=["+", "-"])
    pool = [e for e in arith.load().train]
    arith_scores = intra_scores(arith, pool)
    assert sum(s > 0.9 for s in arith_scores) >= 0.8 * len(pool)  # intermediate values: ~1 nearly always
