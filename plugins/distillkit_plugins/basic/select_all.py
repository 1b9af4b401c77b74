"""The selector of single-round methods (TinyLLM): every pool item, up to the budget."""

from __future__ import annotations

from pydantic import Field

from distillkit.components import ComponentOptions, SampleSelector, SelectionContext
from distillkit.types import Example, Selection


class SelectAll(SampleSelector):
    """Every pool item (in pool order), or the first k when the round has a budget."""

    name = "all"
    default = True  # a pipeline without a selector annotates everything (one TinyLLM-style round)

    class Options(ComponentOptions):
        shuffle: bool = Field(False, description="Shuffle the pool (seeded) before taking the first k.")

    def select(self, pool: list[Example], k: int | None, ctx: SelectionContext) -> list[Selection]:
        items = list(pool)
        if self.options.shuffle:
            ctx.rng.shuffle(items)
        return [Selection(e) for e in items[: k if k is not None else len(items)]]
