"""Multi-step arithmetic problems: seeded generation, question text, gold solution."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from distillkit_plugins.tasks.synthetic.steps import VERBS, Step, apply


@dataclass(frozen=True)
class Knobs:
    """Difficulty: steps per problem, operand range, bound on every intermediate value."""

    min_steps: int = 2
    max_steps: int = 3
    min_operand: int = 1
    max_operand: int = 9
    max_value: int = 99
    operations: tuple[str, ...] = ("+", "-", "*")


@dataclass(frozen=True)
class ArithmeticProblem:
    start: int
    steps: tuple[Step, ...]

    @property
    def answer(self) -> int:
        return self.steps[-1].result if self.steps else self.start

    def question(self) -> str:
        parts = [f"Start with {self.start}."]
        for i, step in enumerate(self.steps):
            verb = VERBS[step.op]
            parts.append(f"{verb if i == 0 else 'Then ' + verb.lower()} {step.operand}.")
        return " ".join(parts) + " What is the result?"

    def rationale(self, style: str = "equations") -> str:
        return "\n".join(step.render(style) for step in self.steps)

    def meta(self) -> dict:
        return {"start": self.start, "steps": [s.as_dict() for s in self.steps]}

    @classmethod
    def from_ops(cls, start: int, ops: Sequence[tuple[str, int]]) -> ArithmeticProblem:
        """The problem with these (op, operand) steps, solved exactly. Raises ValueError if undefined."""
        steps, value = [], start
        for op, operand in ops:
            result = apply(op, value, operand)
            if result is None:
                raise ValueError(f"{value} {op} {operand} is not a whole number")
            steps.append(Step(value, op, operand, result))
            value = result
        return cls(start, tuple(steps))

    @classmethod
    def from_meta(cls, meta: dict) -> ArithmeticProblem:
        return cls.from_ops(int(meta["start"]), [(s["op"], int(s["operand"])) for s in meta["steps"]])

    @classmethod
    def from_question(cls, text: str) -> ArithmeticProblem | None:
        """Read a problem back from its question text, or None if ``text`` is not one."""
        start = re.search(r"Start with (-?\d+)\.", text)
        if not start:
            return None
        words = {v.lower(): k for k, v in VERBS.items()}
        ops = re.findall(r"(?i)\b(add|subtract|multiply by|divide by) (-?\d+)\.", text)
        try:
            return cls.from_ops(int(start.group(1)), [(words[w.lower()], int(n)) for w, n in ops])
        except ValueError:
            return None


def generate_problem(rng: random.Random, knobs: Knobs) -> ArithmeticProblem:
    """A random problem whose every intermediate value stays within ``0..max_value``.

    Each step picks an operation uniformly among those with at least one valid operand, then an
    operand uniformly among the valid ones. Raises ValueError when the knobs allow no step.
    """
    value = rng.randint(knobs.min_operand, min(knobs.max_operand, knobs.max_value))
    start, ops = value, []
    for _ in range(rng.randint(knobs.min_steps, knobs.max_steps)):
        choices = {op: _valid_operands(op, value, knobs) for op in knobs.operations}
        usable = [op for op in knobs.operations if choices[op]]
        if not usable:
            raise ValueError(f"no operation in {list(knobs.operations)} keeps {value} within 0..{knobs.max_value}")
        op = rng.choice(usable)
        operand = rng.choice(choices[op])
        ops.append((op, operand))
        value = apply(op, value, operand)
    return ArithmeticProblem.from_ops(start, ops)


def _valid_operands(op: str, value: int, knobs: Knobs) -> list[int]:
    out = []
    for operand in range(knobs.min_operand, knobs.max_operand + 1):
        result = apply(op, value, operand)
        if result is not None and 0 <= result <= knobs.max_value and not (op in "*/" and operand == 1):
            out.append(operand)
    return out
