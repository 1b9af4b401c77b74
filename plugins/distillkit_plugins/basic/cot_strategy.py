"""The ``cot`` strategy: standard zero- or few-shot chain of thought (the teacher is not told the answer)."""

from __future__ import annotations

from pydantic import Field

from distillkit.types import Example
from distillkit_plugins.basic.prompted_strategy import PromptedOptions, PromptedStrategy, gold_text


class CoTStrategy(PromptedStrategy):
    """Chain of thought: question (+ optional solved examples), then "Let's think step by step."

    Prompt (zero-shot)::

        Question:
        <question, with "Options:" lines for choices>
        Reason briefly, then finish with "So the answer is" followed by your final answer.
        Answer:
        Let's think step by step.

    With ``few_shot: k``, k solved examples come first (from ``demonstrations``), each as the
    same block completed with its rationale and "So the answer is <gold>.".
    """

    name = "cot"
    default = True  # a teacher without a strategy; also how teachers answer test items themselves

    class Options(PromptedOptions):
        few_shot: int = Field(0, ge=0, le=16, description="Solved training examples (with gold rationales) shown first.")
        # measured on SmolLM2-135M (60 yes/no questions): 30 stated answers with this line, 4 with
        # 'End with "So the answer is <answer>."', which small models copy literally
        answer_hint: str = Field('Reason briefly, then finish with "So the answer is" followed by your final answer.',
                                 description="A line asking for a readable final answer (empty: none).")

    def n_examples(self) -> int:
        return self.options.few_shot

    def render(self, example: Example, demos: list[Example]) -> str:
        opts = self.options
        blocks = [f"{self.question(d)}\nAnswer:\n{opts.instruction} {d.rationale}\nSo the answer is {gold_text(d)}."
                  if d.rationale else f"{self.question(d)}\nAnswer:\nSo the answer is {gold_text(d)}."
                  for d in demos]
        hint = f"{opts.answer_hint}\n" if opts.answer_hint else ""
        blocks.append(f"{self.question(example)}\n{hint}Answer:\n{opts.instruction}")
        return "\n\n".join(blocks)
