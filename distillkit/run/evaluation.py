"""Scoring the student (and teachers) on a split with the pipeline's metrics."""

from __future__ import annotations

import sys
from typing import Any

from distillkit.components import Metric, StudentLoss, StudentModel, Task
from distillkit.types import Example


def predict(student: StudentModel, loss: StudentLoss, task: Task, examples: list[Example],
            *, max_new_tokens: int, batch_size: int) -> list[str]:
    """Raw student outputs for each example, from the loss's inference prompt (greedy)."""
    prompts = [loss.inference_prompt(e, task) for e in examples]
    out: list[str] = []
    for i in range(0, len(prompts), batch_size):
        out.extend(samples[0] for samples in student.generate(prompts[i:i + batch_size], max_new_tokens=max_new_tokens))
    return out


def score(metrics: list[Metric], task: Task, examples: list[Example], texts: list[str | None]) -> dict[str, Any]:
    """Extract each answer from its text and compute every metric; returns a JSON-able dict."""
    if not examples:  # every metric would be nan: say so where the user looks, not silently
        print("warning: scoring 0 examples (an empty split): metrics are undefined; give the split some rows "
              "(task sizes or validation/test fractions)", file=sys.stderr)
    fmt = task.answer_format
    preds = [fmt.extract(t, e) if t is not None else None for t, e in zip(texts, examples)]
    result: dict[str, Any] = {"n": len(examples), "no_answer": sum(p is None for p in preds)}
    for metric in metrics:
        r = metric.compute(preds, examples, task)
        result[r.name] = r.value
        if r.ci_low is not None:
            result[f"{r.name}_ci"] = [r.ci_low, r.ci_high]
    return result


def evaluate_student(student: StudentModel, loss: StudentLoss, task: Task, metrics: list[Metric],
                     examples: list[Example], *, max_new_tokens: int, batch_size: int,
                     keep: int = 5) -> dict[str, Any]:
    texts = predict(student, loss, task, examples, max_new_tokens=max_new_tokens, batch_size=batch_size)
    result = score(metrics, task, examples, texts)
    result["samples"] = [
        {"id": e.id, "prompt": loss.inference_prompt(e, task), "output": t, "gold": e.answer}
        for e, t in list(zip(examples, texts))[:keep]
    ]
    return result
