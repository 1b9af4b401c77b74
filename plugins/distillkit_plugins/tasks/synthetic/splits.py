"""Seeded, disjoint train/validation/test splits for the generated tasks (arithmetic, elimination)."""

from __future__ import annotations

import random
from collections.abc import Callable

from pydantic import Field, model_validator

from distillkit.components import ComponentOptions
from distillkit.errors import DataError
from distillkit.types import Example, Splits

MAX_SIZE = 1_000_000  # generated in memory before the run starts: a typo such as 1.0e+12 must not hang it
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


class GeneratedSplitsOptions(ComponentOptions):
    """The options every generated task has: its seed, the size of each split, its step range."""

    seed: int = Field(0, description="Seed of the generator; the same seed gives the same items.")
    train_size: int = Field(1000, ge=0, le=MAX_SIZE, description="Items in the train split.")
    validation_size: int = Field(100, ge=0, le=MAX_SIZE, description="Items in the validation split.")
    test_size: int = Field(200, ge=0, le=MAX_SIZE, description="Items in the test split.")

    def split_sizes(self) -> dict[str, int]:
        return {"train": self.train_size, "validation": self.validation_size, "test": self.test_size}

    @model_validator(mode="after")
    def _step_range(self):
        if self.min_steps > self.max_steps:  # both declared by each task, with its own bounds
            raise ValueError(f"min_steps ({self.min_steps}) is greater than max_steps ({self.max_steps})")
        return self
