"""One arithmetic step ("12 * 3 = 36"): computing, writing and reading it back out of text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Op = Literal["+", "-", "*", "/"]
OPS: tuple[str, ...] = ("+", "-", "*", "/")
Style = Literal["equations", "words"]
VERBS = {"+": "Add", "-": "Subtract", "*": "Multiply by", "/": "Divide by"}


def apply(op: str, left: int, operand: int) -> int | None:
    """``left op operand``; None when the result is not a whole number (inexact division, /0)."""
    if op == "+":
        return left + operand
    if op == "-":
        return left - operand
    if op == "*":
        return left * operand
    if operand == 0 or left % operand:
        return None
    return left // operand


@dataclass(frozen=True)
class Step:
    left: int
    op: str
    operand: int
    result: int

    @property
    def is_right(self) -> bool:
        """The arithmetic of this step holds (it may still not be the step the problem asks for)."""
        return apply(self.op, self.left, self.operand) == self.result

    def render(self, style: str = "equations") -> str:
        if style == "equations":
            return f"{self.left} {self.op} {self.operand} = {self.result}"
        return {
            "+": f"Add {self.operand} to {self.left} to get {self.result}.",
            "-": f"Subtract {self.operand} from {self.left} to get {self.result}.",
            "*": f"Multiply {self.left} by {self.operand} to get {self.result}.",
            "/": f"Divide {self.left} by {self.operand} to get {self.result}.",
        }[self.op]

    def as_dict(self) -> dict[str, int | str]:
        return {"left": self.left, "op": self.op, "operand": self.operand, "result": self.result}


@dataclass(frozen=True)
class WrittenStep:
    """A step read from text, with the line it was written on (kept verbatim when revising)."""

    step: Step
    line: str


NUM = r"(-?\d+)"
EQUATION = re.compile(NUM + r"\s*([+\-*/x\u00d7\u00f7])\s*" + NUM + r"\s*=\s*" + NUM)
SYMBOLS = {"x": "*", "\u00d7": "*", "\u00f7": "/"}
WORDED = [
    (re.compile(rf"(?i)\badd\s+{NUM}\s+to\s+{NUM}\s+to\s+get\s+{NUM}"), "+", (2, 1, 3)),
    (re.compile(rf"(?i)\bsubtract\s+{NUM}\s+from\s+{NUM}\s+to\s+get\s+{NUM}"), "-", (2, 1, 3)),
    (re.compile(rf"(?i)\bmultiply\s+{NUM}\s+by\s+{NUM}\s+to\s+get\s+{NUM}"), "*", (1, 2, 3)),
    (re.compile(rf"(?i)\bdivide\s+{NUM}\s+by\s+{NUM}\s+to\s+get\s+{NUM}"), "/", (1, 2, 3)),
]


def parse_steps(text: str) -> list[WrittenStep]:
    """Every step written in ``text`` (either style, one per line, in order)."""
    found = []
    for line in text.splitlines():
        step = _parse_line(line)
        if step is not None:
            found.append(WrittenStep(step, line.strip()))
    return found


def _parse_line(line: str) -> Step | None:
    match = EQUATION.search(line)
    if match:
        left, op, operand, result = match.groups()
        return Step(int(left), SYMBOLS.get(op, op), int(operand), int(result))
    for pattern, op, (i_left, i_operand, i_result) in WORDED:
        match = pattern.search(line)
        if match:
            return Step(int(match.group(i_left)), op, int(match.group(i_operand)), int(match.group(i_result)))
    return None
