"""Answer formats: normalise, extract the final answer from real-looking generations, compare."""

from __future__ import annotations

import pytest
from distillkit_plugins.tasks.formats import (
    FreeTextFormat,
    MultipleChoiceFormat,
    NumericFormat,
    YesNoFormat,
    make_answer_format,
)

from distillkit.types import Example

CSQA = Example(
    "csqa-1", "A revolving door is convenient for two direction travel, but also serves as security at a what?",
    "bank", choices=("bank", "library", "department store", "mall", "new york"),
)
TWO = Example("piqa-1", "How do you keep soup warm?", "cover the pot", choices=("cover the pot", "open the lid"))
OVERLAP = Example("o-1", "Which food?", "wildcat food", choices=("cat", "wildcat food", "dog"))

MC_CASES = [
    ("So the answer is (a).", CSQA, "bank"),
    ("(a)", CSQA, "bank"),
    ("b", CSQA, "library"),
    ("E.", CSQA, "new york"),
    ("Answer: C", CSQA, "department store"),
    ("The answer is not (a) but (c).", CSQA, "department store"),
    ("The answer is (d), not (a).", CSQA, "mall"),
    ("Banks keep money, so security matters there. The answer is bank.", CSQA, "bank"),
    ("People go to a library to read. However, security doors matter most at a bank. So the answer is (a) bank.",
     CSQA, "bank"),
    ("At first I thought (b). Let me reconsider: the answer is (e).", CSQA, "new york"),
    ("The answer is b because (a) is wrong.", CSQA, "library"),
    ("(a) is incorrect since banks use vaults. (d) is the best option.", CSQA, "mall"),
    ("Option B is correct.", CSQA, "library"),
    ("I choose option (c).", CSQA, "department store"),
    ("A revolving door keeps heat in.\nThe correct answer is: department store", CSQA, "department store"),
    ("The answer is (f).", CSQA, None),  # only five choices
    ("I am not sure what this question is about.", CSQA, None),
    ("Covering keeps the heat in. So the answer is (a).", TWO, "cover the pot"),
    ("You should open the lid? No: the answer is cover the pot.", TWO, "cover the pot"),
    ("The answer is wildcat food.", OVERLAP, "wildcat food"),  # "cat" inside it does not count
    ("Answer: A cat would not eat it.", OVERLAP, "cat"),
    ("It would be the dog, rather than the cat.", OVERLAP, "dog"),
]

BOOL = Example("sqa-1", "Would a pear sink in water?", "no")
YES_NO_CASES = [
    ("No. The density of a pear is about 0.59 g/cm^3, less than water.", BOOL, "no"),
    ("Yes, pears are heavy, so no.", BOOL, "no"),
    ("Pears are less dense than water, so they float. So the answer is no.", BOOL, "no"),
    ("The answer is yes.", BOOL, "yes"),
    ("Answer: True", BOOL, "yes"),
    ("false", BOOL, "no"),
    ("There is no evidence that pears sink. Thus, yes, it floats... wait. The answer is no.", BOOL, "no"),
    ("There is no way to know.", BOOL, None),
    ("YES", BOOL, "yes"),
    ("Pears float because of the air inside them.\nNo", BOOL, "no"),
    # StrategyQA's own targets: the verdict comes first, true/false appear in the explanation
    ("Yes. Boolean algebra uses the values true and false, usually denoted 1 and 0.", BOOL, "yes"),
    ("Pears have air pockets, which is true.\nSo, no.", BOOL, "no"),
]

GSM = Example("gsm-1", "How much does she make?", "18")
BIG = Example("gsm-2", "How many?", "1234567")
NUMERIC_CASES = [
    ("Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18.\n#### 18", GSM, "18"),
    ("She sells 16 - 3 - 4 = 9 eggs. She makes 9 * 2 = $18 every day. So the answer is 18.", GSM, "18"),
    ("The answer is $18.00.", GSM, "18"),
    ("So she makes 9 * 2 = 18 dollars.", GSM, "18"),
    ("The total is 1,234,567 apples.", BIG, "1234567"),
    ("The answer is 1,234,567.", BIG, "1234567"),
    ("The answer is not 20 but 18.", GSM, "18"),
    ("The temperature drops to -5 degrees. The answer is -5.", GSM, "-5"),
    ("10-5 = 5, and then 5 + 3 = 8.", GSM, "8"),
    ("The answer is 2.5 km.", GSM, "2.5"),
    ("\\boxed{42}", GSM, "42"),
    ("The answer is twelve.", GSM, "12"),
    ("The answer is 3/4 of the cake.", GSM, "0.75"),
    ("It grows by 50%. Final answer: 50", GSM, "50"),
    ("I cannot solve this.", GSM, None),
    ("It was 2 - 8 = - 6 degrees, then - 6 + 3 = - 3 degrees. So the answer is - 3.", GSM, "-3"),
]

SHORT = Example("tq-1", "What is the capital of France?", "Paris", meta={"aliases": ["Paris, France"]})
FREE_CASES = [
    ("The capital of France is well known.\nThe answer is Paris.", SHORT, "Paris"),
    ("Answer: The Eiffel Tower", SHORT, "The Eiffel Tower"),
    ("Let me think, so I recall it.\nParis", SHORT, "Paris"),
    ("", SHORT, None),
]

ALL_CASES = (
    [(MultipleChoiceFormat(), *c) for c in MC_CASES]
    + [(YesNoFormat(), *c) for c in YES_NO_CASES]
    + [(NumericFormat(), *c) for c in NUMERIC_CASES]
    + [(FreeTextFormat(), *c) for c in FREE_CASES]
)


def test_the_table_is_large():
    assert len(ALL_CASES) >= 40


@pytest.mark.parametrize(("fmt", "text", "example", "expected"), ALL_CASES, ids=lambda v: repr(v)[:40])
def test_extract(fmt, text, example, expected):
    assert fmt.extract(text, example) == expected


@pytest.mark.parametrize(
    ("predicted", "correct"),
    [("bank", True), ("Bank.", True), ("(a)", True), ("A", True), ("library", False), (None, False), ("vault", False)],
)
def test_multiple_choice_is_correct_accepts_text_or_letter(predicted, correct):
    assert MultipleChoiceFormat().is_correct(predicted, CSQA) is correct


def test_multiple_choice_resolve_maps_letters_and_texts_to_indexes():
    fmt = MultipleChoiceFormat()
    assert [fmt.resolve(a, CSQA) for a in ("(b)", "B", "option e", "Mall", "castle")] == [1, 1, 4, 3, None]


def test_multiple_choice_renders_tinyllm_student_input():
    text = MultipleChoiceFormat().render_question(TWO)
    assert text == "How do you keep soup warm?\nAnswer Choices:\n(a) cover the pot\n(b) open the lid"


@pytest.mark.parametrize(
    ("answer", "normal"), [("Yes.", "yes"), ("TRUE", "yes"), ("no", "no"), ("False", "no"), ("maybe", "maybe")]
)
def test_yes_no_normalize(answer, normal):
    assert YesNoFormat().normalize(answer) == normal


@pytest.mark.parametrize(
    ("answer", "normal"),
    [("1,234", "1234"), ("$18.00", "18"), ("-0", "0"), ("2.50", "2.5"), ("1e3", "1e3"), ("100%", "100"), ("7 km", "7")],
)
def test_numeric_normalize(answer, normal):
    assert NumericFormat().normalize(answer) == normal


def test_numeric_tolerance():
    gold = Example("n", "q", "10")
    exact, loose, relative = NumericFormat(), NumericFormat(tolerance=0.5), NumericFormat(relative_tolerance=0.1)
    assert exact.is_correct("10.0", gold) and not exact.is_correct("10.4", gold)
    assert loose.is_correct("10.4", gold) and loose.is_correct("9.5", gold) and not loose.is_correct("10.6", gold)
    assert relative.is_correct("11", gold) and not relative.is_correct("11.5", gold)
    assert not exact.is_correct(None, gold) and not exact.is_correct("ten-ish", gold)


def test_free_text_normalizes_like_squad_and_accepts_aliases():
    fmt = FreeTextFormat()
    assert fmt.normalize("The  Eiffel Tower!") == "eiffel tower"
    assert fmt.is_correct("paris.", SHORT) and fmt.is_correct("Paris, France", SHORT)
    assert not fmt.is_correct("Lyon", SHORT)


def test_make_answer_format_by_name():
    assert isinstance(make_answer_format("numeric", tolerance=1.0), NumericFormat)
    assert make_answer_format("yes_no").name == "yes_no"
    with pytest.raises(ValueError, match="valid: multiple_choice, yes_no, numeric, free_text"):
        make_answer_format("essay")
