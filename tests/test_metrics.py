"""accuracy and exact_match against hand-computed values, and their confidence intervals."""

from __future__ import annotations

import math

import pytest
from distillkit_plugins.metrics.intervals import bootstrap_interval, wilson_interval
from distillkit_plugins.tasks.formats import MultipleChoiceFormat, NumericFormat

from distillkit.components import Task
from distillkit.types import Example


class FixedFormatTask(Task):
    """A task stub that only carries an answer format."""

    name = "fixed_format_stub"

    def __init__(self, fmt):
        super().__init__()
        self._fmt = fmt

    @property
    def answer_format(self):
        return self._fmt


CHOICES = ("bank", "library", "mall")
MC = [Example(f"q{i}", "q", CHOICES[i % 3], choices=CHOICES) for i in range(4)]  # gold: bank, library, mall, bank


def test_wilson_matches_hand_computed_values():
    # 7/10: p=.7, z=1.96: centre=(.7+z^2/20)/(1+z^2/10)=.64449, half=z*sqrt(.021+z^2/400)/(1+z^2/10)=.24772
    low, high = wilson_interval(7, 10)
    assert low == pytest.approx(0.39677, abs=1e-5) and high == pytest.approx(0.89221, abs=1e-5)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-5)
    assert wilson_interval(10, 10) == pytest.approx((0.72247, 1.0), abs=1e-5)
    # 90%, 1/2: z=1.64485, denom=1+z^2/2=2.35277, half=z*sqrt(.125+z^2/16)/denom=.37913 around .5
    assert wilson_interval(1, 2, confidence=0.9) == pytest.approx((0.12087, 0.87913), abs=1e-5)


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_bootstrap_on_constant_hits_is_a_point_and_is_seeded():
    assert bootstrap_interval([True] * 5) == (1.0, 1.0)
    assert bootstrap_interval([False] * 5) == (0.0, 0.0)
    hits = [True, False] * 50
    low, high = bootstrap_interval(hits, seed=3)
    assert bootstrap_interval(hits, seed=3) == (low, high)
    assert 0.35 < low < 0.5 < high < 0.65


def test_accuracy_accepts_letters_exact_match_does_not(registry):
    task = FixedFormatTask(MultipleChoiceFormat())
    predictions = ["bank", "(b)", None, "library"]  # right, right (letter), no answer, wrong
    acc = registry.create("metric", "accuracy").compute(predictions, MC, task)
    em = registry.create("metric", "exact_match").compute(predictions, MC, task)
    assert (acc.value, acc.n, acc.details["correct"], acc.details["no_answer"]) == (0.5, 4, 2, 1)
    assert (em.value, em.details["correct"]) == (0.25, 1)
    assert (acc.ci_low, acc.ci_high) == pytest.approx(wilson_interval(2, 4))


def test_numeric_tolerance_counts_for_accuracy_only(registry):
    task = FixedFormatTask(NumericFormat(tolerance=0.5))
    examples = [Example("a", "q", "10"), Example("b", "q", "1234"), Example("c", "q", "7")]
    predictions = ["10.4", "1,234", "9"]
    acc = registry.create("metric", "accuracy").compute(predictions, examples, task)
    em = registry.create("metric", "exact_match").compute(predictions, examples, task)
    raw = registry.create("metric", "exact_match", normalize=False).compute(predictions, examples, task)
    assert acc.value == pytest.approx(2 / 3) and em.value == pytest.approx(1 / 3) and raw.value == 0.0


def test_bootstrap_option_and_empty_input(registry):
    task = FixedFormatTask(MultipleChoiceFormat())
    metric = registry.create("metric", "accuracy", interval="bootstrap", bootstrap_samples=200, seed=1)
    result = metric.compute(["bank"] * 4, MC, task)
    assert result.value == 0.5 and 0.0 <= result.ci_low <= 0.5 <= result.ci_high <= 1.0
    empty = metric.compute([], [], task)
    assert empty.n == 0 and math.isnan(empty.value) and empty.ci_low is None


def test_length_mismatch_is_an_error(registry):
    with pytest.raises(ValueError, match="2 predictions for 4 examples"):
        registry.create("metric", "accuracy").compute(["a", "b"], MC, FixedFormatTask(MultipleChoiceFormat()))
