"""Assigning train/validation/test: keep the source's splits, carve the missing ones (seeded)."""

from __future__ import annotations

import random
from typing import TypeVar

T = TypeVar("T")
SPLITS = ("train", "validation", "test")


def assign_splits(
    present: dict[str, list[T]], *, validation_fraction: float, test_fraction: float, seed: int
) -> dict[str, list[T]]:
    """Train/validation/test lists from the splits the source has (keys among ``SPLITS``).

    Splits the source lacks are carved out of a pool: its train split when it has one, else its
    validation split, else its test split. The pool is shuffled with ``seed`` and cut by the
    fractions (of the pool), each part keeping source order; train gets what remains, and a pool other than train keeps its own
    share (``validation_fraction`` / ``test_fraction``) of itself. Splits the source has are
    never mixed with others, so an official test split stays held out.
    """
    if not present:
        raise ValueError("no split to assign from")
    missing = [s for s in SPLITS if s not in present]
    if not missing:
        return {s: list(present[s]) for s in SPLITS}
    pool_name = next(s for s in SPLITS if s in present)
    out = {s: list(rows) for s, rows in present.items() if s != pool_name}
    rows = present[pool_name]
    order = list(range(len(rows)))
    random.Random(f"split:{seed}").shuffle(order)
    fractions = {"validation": validation_fraction, "test": test_fraction}
    for name in ("validation", "test"):
        if name in missing or name == pool_name:
            take = round(fractions[name] * len(rows))
            out[name], order = [rows[i] for i in sorted(order[:take])], order[take:]
    out["train"] = [rows[i] for i in sorted(order)]  # the pool was train, or the source has no train split
    return {s: out[s] for s in SPLITS}


def cap(rows: list[T], limit: int | None, seed: int) -> list[T]:
    """At most ``limit`` rows: a seeded sample kept in source order (no bias toward the file's head)."""
    if limit is None or len(rows) <= limit:
        return rows
    keep = sorted(random.Random(f"cap:{seed}").sample(range(len(rows)), limit))
    return [rows[i] for i in keep]
