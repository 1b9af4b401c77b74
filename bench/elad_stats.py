"""Statistics of the ELAD bench: area under a curve, interpolation, paired bootstrap intervals."""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence


def auc(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Trapezoid area under (xs, ys) divided by the x range: the curve's mean height."""
    area = sum((x1 - x0) * (y0 + y1) / 2 for x0, x1, y0, y1 in zip(xs, xs[1:], ys, ys[1:]))
    return area / (xs[-1] - xs[0]) if xs[-1] > xs[0] else ys[0]


def at(xs: Sequence[float], ys: Sequence[float], x: float) -> float | None:
    """ys linearly interpolated at x (None outside the measured range)."""
    for x0, x1, y0, y1 in zip(xs, xs[1:], ys, ys[1:]):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return ys[0] if xs and x == xs[0] else None


def paired_bootstrap(diffs: Sequence[float], reps: int = 10_000, seed: int = 0) -> dict[str, float]:
    """Mean of per-seed differences with a 95% percentile bootstrap interval (seeds resampled)."""
    rng = random.Random(seed)
    means = sorted(statistics.fmean(rng.choices(diffs, k=len(diffs))) for _ in range(reps))
    return {"mean": statistics.fmean(diffs), "lo": means[int(0.025 * reps)],
            "hi": means[int(0.975 * reps) - 1], "n": len(diffs), "wins": sum(d > 0 for d in diffs)}
