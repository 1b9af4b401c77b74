"""Seeded, disjoint train/validation/test splits for the generated tasks (arithmetic, elimination)."""

from __future__ import annotations

import random
from collections.abc import Callable

from distillkit.errors import DataError
from distillkit.types import Example, Splits

SPLIT_ORDER = ("test", "validation", "train")  # held-out first: they stay fixed when train_size changes
MAX_TRIES_PER_ITEM = 50

# draw(rng, split, index) -> an example, or None when this draw failed (retried)
Draw = Callable[[random.Random, str, int], Example | None]


def generate_splits(task: str, seed: int, sizes: dict[str, int], draw: Draw, hint: str) -> Splits:
    """Every split from its own seeded stream, with no question in two splits.

    ``hint`` says which knobs to change when too few distinct items exist.
    """
    seen: set[str] = set()
    splits = {}
    for split in SPLIT_ORDER:
        rng, out, size = random.Random(f"{task}:{seed}:{split}"), [], sizes[split]
        for _ in range(size * MAX_TRIES_PER_ITEM):
            if len(out) == size:
                break
            example = draw(rng, split, len(out))
            if example is None or example.question in seen:
                continue
            seen.add(example.question)
            out.append(example)
        if len(out) < size:
            raise DataError(f"{task}: only {len(out)} distinct {split} problems found after "
                            f"{size * MAX_TRIES_PER_ITEM} draws (asked for {size}); the knobs allow too few "
                            f"distinct problems: {hint}, or ask for fewer")
        splits[split] = out
    return Splits(**splits)
