"""Confidence intervals of a proportion (k successes out of n)."""

from __future__ import annotations

import math
import random
from statistics import NormalDist


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval: sensible at 0/n and n/n, unlike the normal approximation."""
    if n <= 0:
        raise ValueError("wilson_interval needs n >= 1")
    if not 0 <= successes <= n:
        raise ValueError(f"successes ({successes}) must be within 0..n ({n})")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap_interval(
    hits: list[bool], confidence: float = 0.95, samples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap of the mean of ``hits``, seeded (same inputs, same interval)."""
    if not hits:
        raise ValueError("bootstrap_interval needs at least one item")
    rng, n = random.Random(seed), len(hits)
    means = sorted(sum(rng.choices(hits, k=n)) / n for _ in range(samples))
    tail = (1 - confidence) / 2
    low = means[max(0, math.floor(tail * samples))]
    high = means[min(samples - 1, math.ceil((1 - tail) * samples) - 1)]
    return low, high
