"""The shared shape of metrics that count hits: a mean of booleans with a confidence interval."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from distillkit.components import ComponentOptions, Metric
from distillkit.types import Example, MetricResult
from distillkit_plugins.metrics.intervals import bootstrap_interval, wilson_interval

if TYPE_CHECKING:
    from distillkit.components import Task


class ProportionOptions(ComponentOptions):
    confidence: float = Field(0.95, gt=0, lt=1, description="Confidence level of the interval.")
    interval: Literal["wilson", "bootstrap"] = Field(
        "wilson", description="Interval method: Wilson score (closed form) or percentile bootstrap."
    )
    bootstrap_samples: int = Field(1000, ge=100, description="Resamples when interval is 'bootstrap'.")
    seed: int = Field(0, description="Seed of the bootstrap resampling.")


class ProportionMetric(Metric):
    """Base of hit-counting metrics: subclasses say whether one prediction is a hit.

    ``compute`` returns the hit rate, its interval and ``details`` with ``correct`` (hits),
    ``no_answer`` (predictions that are None) and the interval method. An empty list gives
    ``value`` NaN and no interval rather than a made-up 0.
    """

    Options = ProportionOptions

    def hit(self, predicted: str | None, example: Example, task: Task) -> bool:
        raise NotImplementedError

    def compute(self, predictions: list[str | None], examples: list[Example], task: Task) -> MetricResult:
        if len(predictions) != len(examples):
            raise ValueError(f"{self.name}: {len(predictions)} predictions for {len(examples)} examples")
        hits = [self.hit(p, e, task) for p, e in zip(predictions, examples)]
        n, k = len(hits), sum(hits)
        details = {"correct": k, "no_answer": sum(p is None for p in predictions),
                   "interval": self.options.interval, "confidence": self.options.confidence}
        if n == 0:
            return MetricResult(self.name, float("nan"), 0, details=details)
        if self.options.interval == "wilson":
            low, high = wilson_interval(k, n, self.options.confidence)
        else:
            low, high = bootstrap_interval(hits, self.options.confidence, self.options.bootstrap_samples,
                                           self.options.seed)
        return MetricResult(self.name, k / n, n, ci_low=low, ci_high=high, details=details)
