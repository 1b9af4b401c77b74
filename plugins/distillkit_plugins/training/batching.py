"""Which examples go into which micro-batch, as a pure function of (seed, epoch, position).

Because the plan is recomputed rather than iterated, the data position of a run is just its
optimizer step: resuming at step s replays exactly the micro-batches an uninterrupted run
would have seen, on any number of processes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

MEGABATCH = 50  # length grouping sorts within windows of this many batches, keeping randomness


def epoch_batches(lengths: list[int], batch_size: int, *, seed: int, epoch: int,
                  group_by_length: bool) -> list[list[int]]:
    """The batches (lists of example indices) of one epoch, shuffled with ``(seed, epoch)``.

    With ``group_by_length``, examples of similar length share a batch (less padding, tighter
    packing): shuffle, sort each window of ``MEGABATCH`` batches by length, cut into batches,
    then shuffle the batch order so long and short batches alternate across the epoch.
    """
    rng = random.Random(f"{seed}:{epoch}")
    order = list(range(len(lengths)))
    rng.shuffle(order)
    if group_by_length:
        window = batch_size * MEGABATCH
        order = [i for s in range(0, len(order), window)
                 for i in sorted(order[s:s + window], key=lambda i: -lengths[i])]
    batches = [order[s:s + batch_size] for s in range(0, len(order), batch_size)]
    if group_by_length:
        rng.shuffle(batches)
    return batches


class BatchPlan:
    """An endless stream of micro-batches over epochs, sharded over processes.

    Optimizer step ``s`` uses the global micro-batches ``s*G .. s*G+G-1`` with
    ``G = grad_accum * world``; process ``rank`` takes ``s*G + a*world + rank`` for each
    accumulation step ``a``. So 2 processes x 1 accumulation see the same examples per step as
    1 process x 2 accumulations.
    """

    def __init__(self, lengths: list[int], batch_size: int, *, seed: int, group_by_length: bool):
        if not lengths:
            raise ValueError("no training examples")
        self.lengths, self.batch_size = lengths, batch_size
        self.seed, self.group_by_length = seed, group_by_length
        self._cache: tuple[int, list[list[int]]] | None = None

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def batch(self, index: int) -> list[int]:
        epoch, pos = divmod(index, self.batches_per_epoch)
        if self._cache is None or self._cache[0] != epoch:
            self._cache = (epoch, epoch_batches(self.lengths, self.batch_size, seed=self.seed, epoch=epoch,
                                                group_by_length=self.group_by_length))
        return self._cache[1][pos]

    def micro_batches(self, step: int, *, grad_accum: int, rank: int, world: int) -> Iterator[list[int]]:
        """The ``grad_accum`` micro-batches process ``rank`` trains on at optimizer step ``step`` (0-based)."""
        base = step * grad_accum * world
        for a in range(grad_accum):
            yield self.batch(base + a * world + rank)

    def epoch_of(self, step: int, *, grad_accum: int, world: int) -> float:
        return step * grad_accum * world / self.batches_per_epoch
