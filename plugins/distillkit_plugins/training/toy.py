"""A toy multi-teacher training set for tests, benchmarks and demos.

Examples come from the seeded ``synthetic_arithmetic`` task; two pseudo-teachers annotate them
(``steps``: the gold step-by-step solution, ``words``: the same steps in words), so each example
gives 1 answer view + 2 rationale views under ``multitask_rationale``, as in TinyLLM.
"""

from __future__ import annotations

from typing import Any

from distillkit.types import Annotation, Example, View

TEACHERS = ("steps", "words")


def _in_words(rationale: str) -> str:
    ops = {"+": "plus", "-": "minus", "*": "times", "/": "divided by", "=": "is"}
    return ". ".join(" ".join(ops.get(tok, tok) for tok in line.split()) for line in rationale.splitlines()) + "."


def annotations(example: Example) -> dict[str, Annotation]:
    texts = {"steps": example.rationale or "", "words": _in_words(example.rationale or "")}
    return {t: Annotation(example.id, t, prompt="", raw=text, rationale=text, answer=example.answer, status="ok")
            for t, text in texts.items()}


def toy_task(n: int, *, seed: int = 0, **knobs: Any) -> Any:
    from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

    return SyntheticArithmetic(seed=seed, train_size=n, validation_size=max(4, n // 10), test_size=4, **knobs)


def toy_loss() -> Any:
    from distillkit_plugins.tinyllm.multitask_rationale import MultitaskRationale

    return MultitaskRationale(rationales=[{"teacher": "steps", "prefix": "explain: "},
                                          {"teacher": "words", "prefix": "rationale: "}])


def toy_views(n: int, *, seed: int = 0, **knobs: Any) -> tuple[Any, Any, list[Example], list[View]]:
    """(task, loss, train examples, views): ``n`` examples x (answer + 2 rationale views)."""
    task, loss = toy_task(n, seed=seed, **knobs), toy_loss()
    train = task.load().train
    views = [v for e in train for v in loss.views(e, annotations(e), task)]
    return task, loss, train, views
