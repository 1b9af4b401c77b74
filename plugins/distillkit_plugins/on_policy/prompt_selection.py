"""Which prompts get on-policy feedback: a sample selector (e.g. ELAD's) picks them within a round.

With ``prompt_selector: {type: <selector>, ...}`` and ``selected_prompts: k``, before the round's
training the selector ranks the examples the loss made views for (its ``select(pool, k, ctx)``,
querying the student as it starts the round when it declares ``needs: student``), and every
on-policy micro-batch then samples from those k prompts instead of the batch's own: the student is
graded where the selector says it is weakest. The choice is saved in the training folder
(``on_policy_prompts.json``), so a resumed run keeps it instead of asking a changed student again.
"""

from __future__ import annotations

import json
import random
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from distillkit.components import SelectionContext
from distillkit.components.selector import STUDENT

SAVED = "on_policy_prompts.json"


@lru_cache(maxsize=1)
def _registry() -> Any:
    from distillkit.registry import build_registry

    return build_registry()


def create(spec: dict[str, Any]) -> Any:
    """The selector a ``{type: ..., ...options}`` mapping names (every installed selector plugin)."""
    options = {k: v for k, v in spec.items() if k != "type"}
    return _registry().create("selector", spec.get("type"), **options)


def problems(spec: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(location under prompt_selector, message, hint) for a spec that names no valid selector."""
    from distillkit.registry import UnknownComponent

    kind = spec.get("type")
    if not isinstance(kind, str):
        return [("type", "a selector type is required", "e.g. prompt_selector: {type: elad}")]
    try:
        create(spec)
    except UnknownComponent as exc:
        return [("type", str(exc), "`distillkit components selector` lists them")]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return [(where, f"selector {kind!r}: {first['msg']}", None)]
    return []


class PromptSelection:
    """The prompts a selector chose for this round, and a seeded draw from them per micro-batch."""

    def __init__(self, spec: dict[str, Any], k: int, seed: int | str):
        self.spec, self.k, self.seed = spec, k, seed
        self.prompts: list[str] = []

    def choose(self, examples: list[Any], task: Any, student: Any, prompt_of, out_dir: Path) -> list[str]:
        """Select (or reload the saved choice); returns the chosen prompts, best first."""
        path = Path(out_dir) / SAVED
        if path.exists():
            self.prompts = json.loads(path.read_text(encoding="utf-8"))["prompts"]
            return self.prompts
        selector = create(self.spec)
        ctx = SelectionContext(round=0, task=task, rng=random.Random(self.seed), run_dir=out_dir,
                               student=student if STUDENT in selector.needs else None,
                               inference_prompt=prompt_of)
        chosen = selector.select(list(examples), self.k, ctx)[: self.k]
        self.prompts = [prompt_of(s.example) for s in chosen]
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = [{"id": s.example.id, "score": s.score} for s in chosen]
        saved = {"selector": self.spec, "chosen": rows, "prompts": self.prompts}
        path.write_text(json.dumps(saved, indent=1), encoding="utf-8")
        return self.prompts

    def draw(self, n: int, step: int, micro: int) -> list[str]:
        """n prompts for one micro-batch: without repeats while the choice has enough, seeded per step."""
        rng = random.Random(f"{self.seed}:{step}:{micro}")
        if n <= len(self.prompts):
            return rng.sample(self.prompts, n)
        return [rng.choice(self.prompts) for _ in range(n)]
