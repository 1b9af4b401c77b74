"""A tiny yes/no task ("Is 14 even?") and its oracle answer, for tests, benchmarks and docs.

It needs no data files and no other plugin, so the annotation engine, the fake OpenAI server
and the teacher examples can be exercised anywhere. Not registered as a pipeline task.
"""

from __future__ import annotations

import re

from distillkit.components import Task
from distillkit.components.answer_format import AnswerFormat
from distillkit.types import Example, Splits

_YES_NO = re.compile(r"\b(yes|no)\b", re.IGNORECASE)
_QUESTION = re.compile(r"Is (\d+) even\?")


class YesNoFormat(AnswerFormat):
    name = "yes_no"

    def extract(self, text: str, example: Example) -> str | None:
        found = _YES_NO.findall(text)
        return found[-1].lower() if found else None


def parity_rationale(number: int) -> str:
    return f"{number} divided by 2 leaves remainder {number % 2}, so {number} is {'even' if number % 2 == 0 else 'odd'}."


def oracle_answer(prompt: str) -> str:
    """A correct chain of thought for the last "Is N even?" in ``prompt`` (what a good teacher says)."""
    found = _QUESTION.findall(prompt)
    if not found:
        return "I cannot tell. So the answer is no."
    number = int(found[-1])
    return f"{parity_rationale(number)}\nSo the answer is {'yes' if number % 2 == 0 else 'no'}."


def toy_examples(n: int, *, start: int = 0, with_rationale: bool = False, prefix: str = "q") -> list[Example]:
    out = []
    for i in range(start, start + n):
        number = 7 * i + 3
        out.append(Example(
            id=f"{prefix}{i}", question=f"Is {number} even?", answer="yes" if number % 2 == 0 else "no",
            rationale=parity_rationale(number) if with_rationale else None,
        ))
    return out


class ToyParityTask(Task):
    """Toy yes/no parity questions (tests and benchmarks only)."""

    name = "toy_parity"

    def __init__(self, options=None, n: int = 20):
        super().__init__(options)
        self.n = n
        self._format = YesNoFormat()

    @property
    def answer_format(self) -> AnswerFormat:
        return self._format

    def load(self) -> Splits:
        return Splits(toy_examples(self.n, with_rationale=True), toy_examples(5, start=self.n, prefix="v"), [])


def prepared_strategy(registry, name: str = "cot", *, seed: int = 0, train: list[Example] | None = None,
                      task: Task | None = None, **options):
    """A strategy from ``registry``, prepared on the toy task (solved training examples included)."""
    from distillkit.components import StrategyContext

    strategy = registry.create("strategy", name, **options)
    pool = train if train is not None else toy_examples(20, start=1000, with_rationale=True, prefix="t")
    strategy.prepare(StrategyContext(task or ToyParityTask(), pool, seed))
    return strategy
