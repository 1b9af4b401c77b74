"""The README.md model card saved inside the student folder."""

from __future__ import annotations

from typing import Any

from distillkit.config.pipeline import ResolvedPipeline


def model_card(p: ResolvedPipeline, final: dict[str, Any], baseline: dict[str, Any] | None, command: str) -> str:
    teachers = "\n".join(
        f"- `{s.id}`: {s.teacher.name} ({_model_of(s.teacher)}), prompted with `{s.strategy.name}`" for s in p.teachers
    ) or "- none (answer-only fine-tuning)"
    metrics = "\n".join(f"| {k} | {v:.4f} |" for k, v in final.get("test", {}).items() if isinstance(v, float))
    before = ""
    if baseline:
        before = "\nBefore distillation: " + ", ".join(f"{k} {v:.4f}" for k, v in baseline.items() if isinstance(v, float))
    return f"""---
library_name: transformers
tags: [distillkit, distillation, {p.loss.name}]
---
# {p.spec.name}

Student distilled with [distillkit](https://pypi.org/project/distillkit/) using the `{p.loss.name}` loss
and the `{p.selector.name}` selector over {p.spec.rounds.count} round(s).

## Teachers
{teachers}

## Data
Task `{p.task.name}` (licence: {p.task.licence}).

## Test metrics (selected on validation)
| metric | value |
|---|---|
{metrics}
{before}

## Reproduce
```
{command}
```
The resolved config is `config.resolved.yaml` in the run folder.
"""


def _model_of(teacher: Any) -> str:
    return str(teacher.identity().get("model") or teacher.name)  # identity() names the model
