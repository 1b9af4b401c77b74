"""Elimination puzzles: options, clues that each rule some out, and the step-by-step solution.

"Options: 3, 8, 11, 14. Clue: it is odd. Clue: it is above 9. Which is it?" is solved one clue per
line ("odd rules out 8, 14; left 3, 11"), so the answer after step k is a real guess among the
options still left: early answers are the final KIND of answer, as ELAD's intra signal assumes.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

CLUE = re.compile(r"\b(even|odd|above \d+|below \d+)\b")
STEP = re.compile(r"\b(even|odd|above \d+|below \d+) rules out ([\d, ]+|none); left ([\d, ]*\d|none)")


def holds(clue: str, n: int) -> bool:
    """Whether option ``n`` satisfies ``clue`` ("even", "odd", "above 9", "below 15")."""
    if clue in ("even", "odd"):
        return (n % 2 == 0) == (clue == "even")
    word, t = clue.split()
    return n > int(t) if word == "above" else n < int(t)


@dataclass(frozen=True)
class SolvedStep:
    """One clue applied to the options still left: what it rules out and what is left."""

    clue: str
    ruled_out: tuple[int, ...]
    left: tuple[int, ...]

    def render(self) -> str:
        def nums(xs: tuple[int, ...]) -> str:
            return ", ".join(map(str, xs)) if xs else "none"

        return f"{self.clue} rules out {nums(self.ruled_out)}; left {nums(self.left)}"


def apply_clue(clue: str, left: tuple[int, ...]) -> SolvedStep:
    """The exact step: every option of ``left`` that breaks ``clue`` is ruled out."""
    keep = tuple(n for n in left if holds(clue, n))
    return SolvedStep(clue, tuple(n for n in left if n not in keep), keep)


def parse_step(line: str) -> SolvedStep | None:
    """A step read back from its line, or None when the line is not one."""
    m = STEP.search(line)
    if m is None:
        return None

    def nums(text: str) -> tuple[int, ...]:
        return () if text.strip() == "none" else tuple(int(x) for x in re.findall(r"\d+", text))

    return SolvedStep(m.group(1), nums(m.group(2)), nums(m.group(3)))


@dataclass(frozen=True)
class Puzzle:
    options: tuple[int, ...]  # ascending
    clues: tuple[str, ...]

    def solution(self) -> tuple[SolvedStep, ...]:
        steps, left = [], self.options
        for clue in self.clues:
            steps.append(apply_clue(clue, left))
            left = steps[-1].left
        return tuple(steps)

    @property
    def answer(self) -> int:
        (only,) = self.solution()[-1].left
        return only

    def question(self) -> str:
        clues = " ".join(f"Clue: it is {c}." for c in self.clues)
        return f"Options: {', '.join(map(str, self.options))}. {clues} Which is it?"

    def rationale(self) -> str:
        return "\n".join(s.render() for s in self.solution())

    def meta(self) -> dict:
        return {"options": list(self.options), "clues": list(self.clues)}

    @classmethod
    def from_meta(cls, meta: dict) -> Puzzle:
        return cls(tuple(int(n) for n in meta["options"]), tuple(str(c) for c in meta["clues"]))


def _clue_for(rng: random.Random, gold: int, used: list[str], max_value: int) -> str | None:
    parity_used = any(c in ("even", "odd") for c in used)
    kinds = [k for k in ("parity", "above", "below") if k != "parity" or not parity_used]
    kind = rng.choice(kinds)
    if kind == "parity":
        return "even" if gold % 2 == 0 else "odd"
    if kind == "above":
        return f"above {rng.randint(1, gold - 1)}" if gold > 2 else None
    return f"below {rng.randint(gold + 1, max_value)}" if gold < max_value - 1 else None


def generate_puzzle(rng: random.Random, steps: int, max_value: int, max_out_per_step: int) -> Puzzle | None:
    """A puzzle whose ``steps`` clues each rule out 1..``max_out_per_step`` options, or None (retry).

    Clues are drawn true for the answer; the decoys ruled out at step j satisfy clues 1..j-1 and
    break clue j, so every clue is needed and only the answer is left at the end.
    """
    gold, clues, options = rng.randint(1, max_value), [], set()
    for _ in range(steps):
        clue = _clue_for(rng, gold, clues, max_value)
        if clue is None or clue in clues:
            return None
        fits = [n for n in range(1, max_value + 1) if n != gold and n not in options
                and all(holds(c, n) for c in clues) and not holds(clue, n)]
        if not fits:
            return None
        options |= set(rng.sample(fits, min(len(fits), rng.randint(1, max_out_per_step))))
        clues.append(clue)
    return Puzzle(tuple(sorted(options | {gold})), tuple(clues))
