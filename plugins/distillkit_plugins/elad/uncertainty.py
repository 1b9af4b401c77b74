"""Uncertainty scores of a list of answers, each in [0, 1] (0: the student is sure).

Answers are canonical strings from the task's answer format; ``None`` (no answer could be read)
counts as one more distinct answer, "no answer": a student that cannot answer is uncertain,
and dropping those answers would make a half-unanswered list look confident.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

NO_ANSWER = "<no answer>"


def _counts(answers: Sequence[str | None]) -> Counter:
    return Counter(NO_ANSWER if a is None else a for a in answers)


def normalized_entropy(answers: Sequence[str | None]) -> float:
    """Shannon entropy of the answer distribution divided by its maximum, log(len(answers)).

    1.0 when every answer differs, 0.0 when all agree (or fewer than two answers).
    """
    n = len(answers)
    if n < 2:
        return 0.0
    h = -sum(c / n * math.log(c / n) for c in _counts(answers).values())
    return max(0.0, min(1.0, h / math.log(n)))


def flip_rate(answers: Sequence[str | None]) -> float:
    """Share of the early answers (all but the last) that differ from the final (last) answer.

    ELAD's intra-explanation signal read as "how often would stopping early change my mind".
    0.0 with fewer than two answers.
    """
    if len(answers) < 2:
        return 0.0
    final = NO_ANSWER if answers[-1] is None else answers[-1]
    early = [NO_ANSWER if a is None else a for a in answers[:-1]]
    return sum(a != final for a in early) / len(early)


def disagreement(answers: Sequence[str | None]) -> float:
    """Self-consistency disagreement: share of answers that differ from the majority answer.

    Rescaled by its maximum for n answers, (n - 1) / n, so that all-different scores 1.0.
    """
    n = len(answers)
    if n < 2:
        return 0.0
    top = _counts(answers).most_common(1)[0][1]
    return (n - top) / (n - 1)


def majority(answers: Sequence[str | None]) -> str | None:
    """The most frequent readable answer (first seen wins a tie), or None if none was readable."""
    readable = [a for a in answers if a is not None]
    return Counter(readable).most_common(1)[0][0] if readable else None


def mix(u_intra: float | None, u_inter: float | None, lam: float) -> float:
    """ELAD's score, ``lam * u_intra + (1 - lam) * u_inter``; a term with weight 0 may be None."""
    intra = 0.0 if lam == 0 else _required(u_intra, "u_intra")
    inter = 0.0 if lam == 1 else _required(u_inter, "u_inter")
    return lam * intra + (1 - lam) * inter


def _required(value: float | None, name: str) -> float:
    if value is None:
        raise ValueError(f"{name} is needed for this lambda but was not computed")
    return value
