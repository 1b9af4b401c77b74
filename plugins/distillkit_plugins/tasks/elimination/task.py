"""``synthetic_elimination``: pick the option every clue allows, ruling options out one clue per step."""

from __future__ import annotations

import random

from pydantic import Field

from distillkit.components import Task
from distillkit.components.answer_format import AnswerFormat
from distillkit.types import Example, Splits
from distillkit_plugins.tasks.elimination.puzzles import generate_puzzle
from distillkit_plugins.tasks.synthetic.splits import GeneratedSplitsOptions, generate_splits


class SyntheticElimination(Task):
    """Seeded elimination puzzles ("Options: 3, 8, 11. Clue: it is odd. ... Which is it?").

    The gold rationale applies one clue per line ("odd rules out 8; left 3, 11"), so a partial
    explanation narrows the answer down and the answer after step k is a real partial-information
    guess (ELAD's early answers mean something here, unlike on arithmetic, where they are
    intermediate values). ``meta`` holds ``{"options": [...], "clues": [...]}``; answers are numeric.
    """

    name = "synthetic_elimination"
    licence = "generated (no licence restrictions)"

    class Options(GeneratedSplitsOptions):
        min_steps: int = Field(2, ge=1, le=8, description="Fewest clues (steps) per puzzle.")
        max_steps: int = Field(4, ge=1, le=8, description="Most clues (steps) per puzzle.")
        max_value: int = Field(30, ge=4, le=999, description="Options are drawn from 1..max_value.")
        max_out_per_step: int = Field(2, ge=1, le=5, description="Most options each clue rules out.")

    @property
    def answer_format(self) -> AnswerFormat:
        from distillkit_plugins.tasks.formats import NumericFormat

        return NumericFormat()

    def has_rationales(self) -> bool | None:
        return True

    def load(self) -> Splits:
        o = self.options
        return generate_splits("synthetic_elimination", o.seed, o.split_sizes(), self._draw,
                               "raise max_value or max_steps")

    def _draw(self, rng: random.Random, split: str, index: int) -> Example | None:
        o = self.options
        puzzle = generate_puzzle(rng, rng.randint(o.min_steps, o.max_steps), o.max_value, o.max_out_per_step)
        if puzzle is None:
            return None
        return Example(id=f"elim-{split}-{index}", question=puzzle.question(), answer=str(puzzle.answer),
                       rationale=puzzle.rationale(), meta=puzzle.meta())
