"""The ``teacher_forcing_cot`` strategy (TinyLLM): the teacher is given the gold answer and explains it."""

from __future__ import annotations

from pydantic import Field

from distillkit.types import Example
from distillkit_plugins.basic.prompted_strategy import PromptedOptions, PromptedStrategy, gold_text


class TeacherForcingCoT(PromptedStrategy):
    """TinyLLM teacher-forcing chain of thought: question, options AND gold answer, then "Let's think step by step."

    Prompt, after ``k`` solved examples of the same task (chosen by ``example_selection``)::

        Question:
        <question>
        Options:
        (a) ...
        Answer:
        <gold, e.g. "(b) lemon">
        Rationale:
        Let's think step by step.

    Each in-context example is the same block with its rationale after the instruction; where
    the rationales come from is the ``demonstrations`` option (gold, file, bootstrapped by the
    teacher, or question + answer only, shown without the Rationale line). Since the answer is given, the rationale is what matters; a final
    answer the teacher states is still parsed, so ``answer_matches_gold`` can drop rationales
    that argue for another answer.
    """

    name = "teacher_forcing_cot"
    uses_gold_answer = True

    class Options(PromptedOptions):
        k: int = Field(2, ge=0, le=16, description="In-context examples of the same task (TinyLLM uses 2).")

    def n_examples(self) -> int:
        return self.options.k

    def render(self, example: Example, demos: list[Example]) -> str:
        instruction = self.options.instruction
        blocks = [f"{self._head(d)}\n{instruction} {d.rationale}" if d.rationale
                  else f"{self.question(d)}\nAnswer:\n{gold_text(d)}" for d in demos]  # question_answer demos
        blocks.append(f"{self._head(example)}\n{instruction}")
        return "\n\n".join(blocks)

    def _head(self, example: Example) -> str:
        return f"{self.question(example)}\nAnswer:\n{gold_text(example)}\nRationale:"
