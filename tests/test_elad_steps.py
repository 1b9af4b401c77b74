"""The step splitter and the uncertainty measures ELAD's selectors are built from."""

import math

import pytest
from distillkit_plugins.elad.steps import split_explanation
from distillkit_plugins.elad.uncertainty import disagreement, flip_rate, majority, mix, normalized_entropy

TEXT = "Step 1: 2 + 3 = 5. Step 2: 5 * 2 = 10.\nStep 3: 10 - 1 = 9.\nSo the answer is 9."


@pytest.mark.parametrize(("mode", "steps"), [
    ("lines", ["Step 1: 2 + 3 = 5. Step 2: 5 * 2 = 10.", "Step 3: 10 - 1 = 9."]),
    ("step_markers", ["Step 1: 2 + 3 = 5.", "Step 2: 5 * 2 = 10.", "Step 3: 10 - 1 = 9."]),
    ("sentences", ["Step 1: 2 + 3 = 5.", "Step 2: 5 * 2 = 10.", "Step 3: 10 - 1 = 9."]),
])
def test_each_splitter_separates_steps_and_the_answer_line(mode, steps):
    split = split_explanation(TEXT, mode)
    assert [s.text for s in split.steps] == steps
    assert split.answer_line == "So the answer is 9."
    assert split.reasoning == TEXT[: TEXT.index("\nSo the answer")]


def test_prefix_is_the_explanation_as_written_up_to_step_k():
    split = split_explanation("a = 1\n\n  b = 2\nc = 3", "lines")
    assert [split.prefix(k) for k in range(4)] == ["", "a = 1", "a = 1\n\n  b = 2", "a = 1\n\n  b = 2\nc = 3"]
    assert split.answer_line is None


def test_decimals_do_not_end_sentences_and_labels_can_be_stripped():
    split = split_explanation("It costs 3.5 dollars. Twice is 7. The answer is 7.", "sentences")
    assert split.texts() == ["It costs 3.5 dollars.", "Twice is 7."] and split.answer_line == "The answer is 7."
    assert split_explanation(TEXT, "step_markers").texts(strip_labels=True)[0] == "2 + 3 = 5."


def test_step_markers_fall_back_to_lines_and_split_a_trailing_answer_off_the_last_step():
    assert split_explanation("x = 1\ny = 2", "step_markers").texts() == ["x = 1", "y = 2"]
    split = split_explanation("Step 1: x = 1\nStep 2: y = 2\n#### 2", "step_markers")
    assert split.texts() == ["Step 1: x = 1", "Step 2: y = 2"] and split.answer_line == "#### 2"


def test_empty_and_answer_only_explanations_have_no_steps():
    assert split_explanation("", "lines").steps == ()
    only = split_explanation("So the answer is 4.", "lines")
    assert only.steps == () and only.answer_line == "So the answer is 4." and only.reasoning == ""


def test_unknown_splitter_is_a_clear_error():
    with pytest.raises(ValueError, match="valid: lines, step_markers, sentences"):
        split_explanation("a", "paragraphs")


def test_normalized_entropy_known_values():
    assert normalized_entropy(["1", "1", "1", "1"]) == 0.0
    assert normalized_entropy(["1", "2", "3", "4"]) == pytest.approx(1.0)
    assert normalized_entropy(["1", "1", "2", "2"]) == pytest.approx(math.log(2) / math.log(4))
    assert normalized_entropy(["1"]) == 0.0 and normalized_entropy([]) == 0.0
    assert normalized_entropy([None, None]) == 0.0  # "no answer" twice agrees with itself
    assert normalized_entropy(["1", None]) == pytest.approx(1.0)


def test_flip_rate_and_disagreement_known_values():
    assert flip_rate(["5", "10", "9"]) == 1.0
    assert flip_rate(["5", "9", "9"]) == 0.5
    assert flip_rate([None, "9"]) == 1.0 and flip_rate(["9"]) == 0.0
    assert disagreement(["9", "7", "7", "9"]) == pytest.approx(2 / 3)
    assert disagreement(["9", "9", "9"]) == 0.0 and disagreement(["1", "2", "3"]) == 1.0
    assert majority(["7", None, "9", "9"]) == "9" and majority([None]) is None
    assert majority(["7", "9"]) == "7"  # a tie goes to the first seen


def test_mix_weights_the_two_signals_and_needs_only_the_weighted_ones():
    assert mix(1.0, 0.5, 0.5) == 0.75
    assert mix(None, 0.4, 0.0) == 0.4 and mix(0.3, None, 1.0) == 0.3
    with pytest.raises(ValueError, match="u_inter is needed"):
        mix(0.3, None, 0.5)
