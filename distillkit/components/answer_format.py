"""How a task's answers are written, read back out of generated text, and compared."""

from __future__ import annotations

from distillkit.types import Example


class AnswerFormat:
    """Normalises, extracts and compares answers of one kind (multiple choice, yes/no, number...).

    Tasks hold one; strategies use it to read a teacher's final answer, filters to compare it
    with the gold answer, metrics to score the student.
    """

    name = "free_text"

    def normalize(self, answer: str) -> str:
        return " ".join(answer.strip().lower().split()).rstrip(".")

    def extract(self, text: str, example: Example) -> str | None:
        """The final answer stated in generated ``text``, canonical form, or None if none is found."""
        raise NotImplementedError

    def is_correct(self, predicted: str | None, example: Example) -> bool:
        return predicted is not None and self.normalize(predicted) == self.normalize(example.answer)

    def render_question(self, example: Example, *, choices_header: str = "Answer Choices:") -> str:
        """The question as the student sees it (TinyLLM: question, then lettered choices)."""
        parts = [example.context, example.question] if example.context else [example.question]
        text = "\n".join(p for p in parts if p)
        if example.choices:
            lines = [f"({chr(ord('a') + i)}) {c}" for i, c in enumerate(example.choices)]
            text += f"\n{choices_header}\n" + "\n".join(lines)
        return text
