"""``synthetic_arithmetic``: seeded multi-step arithmetic with computed gold solutions."""

from __future__ import annotations

import random
from typing import Literal

from pydantic import Field, model_validator

from distillkit.components import Task
from distillkit.components.answer_format import AnswerFormat
from distillkit.errors import DataError
from distillkit.types import Example, Splits
from distillkit_plugins.tasks.synthetic.problems import Knobs, generate_problem
from distillkit_plugins.tasks.synthetic.splits import GeneratedSplitsOptions, generate_splits


class SyntheticArithmetic(Task):
    """Seeded multi-step arithmetic ("Start with 7. Add 5. ...") with computed step-by-step solutions.

    Every split is generated from its own seeded stream and no question appears in two splits,
    so the held-out splits are really held out and stay identical when ``train_size`` changes.
    Each example carries the gold steps in ``meta`` (``{"start": 7, "steps": [{"left", "op",
    "operand", "result"}, ...]}``) and as text in ``rationale`` (one step per line). Answers are
    numeric. Small knobs (operands 1-9, 2-3 steps, values <= 99) are learnable by a tiny
    student on a CPU in minutes.
    """

    name = "synthetic_arithmetic"
    licence = "generated (no licence restrictions)"

    class Options(GeneratedSplitsOptions):
        min_steps: int = Field(2, ge=1, le=50, description="Fewest operations per problem.")
        max_steps: int = Field(3, ge=1, le=50, description="Most operations per problem.")
        min_operand: int = Field(1, ge=0, description="Smallest start value and operand.")
        max_operand: int = Field(9, ge=1, description="Largest start value and operand.")
        max_value: int = Field(99, ge=1, description="Every intermediate result stays within 0..max_value.")
        operations: list[Literal["+", "-", "*", "/"]] = Field(
            default_factory=lambda: ["+", "-", "*"], min_length=1,
            description="Operations to draw from; '/' is only used when it divides exactly.",
        )
        rationale_style: Literal["equations", "words"] = Field(
            "equations", description="Gold rationale style: '7 + 5 = 12' or 'Add 5 to 7 to get 12.'."
        )

        @model_validator(mode="after")
        def _ranges(self):
            if self.min_operand > self.max_operand:
                raise ValueError(f"min_operand ({self.min_operand}) is greater than max_operand ({self.max_operand})")
            return self

    @property
    def answer_format(self) -> AnswerFormat:
        from distillkit_plugins.tasks.formats import NumericFormat

        return NumericFormat()

    def knobs(self) -> Knobs:
        o = self.options
        return Knobs(o.min_steps, o.max_steps, o.min_operand, o.max_operand, o.max_value, tuple(o.operations))

    def has_rationales(self) -> bool | None:
        return True  # every problem comes with its computed steps

    def load(self) -> Splits:
        return generate_splits("synthetic_arithmetic", self.options.seed, self.options.split_sizes(), self._draw,
                               "raise max_steps, max_operand or max_value")

    def _draw(self, rng: random.Random, split: str, index: int) -> Example:
        try:
            problem = generate_problem(rng, self.knobs())
        except ValueError as exc:
            raise DataError(f"synthetic_arithmetic: cannot generate a problem: {exc}; "
                            f"widen max_value or the operand range, or add operations") from None
        return Example(id=f"arith-{split}-{index}", question=problem.question(), answer=str(problem.answer),
                       rationale=problem.rationale(self.options.rationale_style), meta=problem.meta())
