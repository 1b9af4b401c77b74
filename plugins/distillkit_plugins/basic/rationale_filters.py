"""Built-in rationale filters. Each returns a short, fixed reason (drops are counted by it) or None to keep."""

from __future__ import annotations

from pydantic import Field

from distillkit.components import ComponentOptions, RationaleFilter, Task
from distillkit.types import Annotation, Example

NO_FINAL_ANSWER = "no final answer"


class AnswerMatchesGold(RationaleFilter):
    """Drop a rationale whose own final answer contradicts the gold answer."""

    name = "answer_matches_gold"

    class Options(ComponentOptions):
        require_answer: bool = Field(False, description="Also drop rationales that state no readable final answer.")

    def check(self, annotation: Annotation, example: Example, task: Task) -> str | None:
        if annotation.answer is None:
            return NO_FINAL_ANSWER if self.options.require_answer else None
        if not task.answer_format.is_correct(annotation.answer, example):
            return "answer contradicts gold"
        return None


class NonEmpty(RationaleFilter):
    """Drop rationales with no words in them (whitespace or punctuation only)."""

    name = "non_empty"

    def check(self, annotation: Annotation, example: Example, task: Task) -> str | None:
        text = annotation.rationale or ""
        return None if any(ch.isalnum() for ch in text) else "empty rationale"


class NotTruncated(RationaleFilter):
    """Drop rationales cut off by the token limit (finish_reason "length") or that never reach a final answer."""

    name = "not_truncated"

    class Options(ComponentOptions):
        require_answer: bool = Field(True, description="Treat a rationale without a final answer as truncated.")

    def check(self, annotation: Annotation, example: Example, task: Task) -> str | None:
        if annotation.finish_reason == "length":
            return "truncated (token limit)"
        if self.options.require_answer and annotation.answer is None:
            return NO_FINAL_ANSWER
        return None


class MinLength(RationaleFilter):
    """Drop rationales shorter than a number of words."""

    name = "min_length"

    class Options(ComponentOptions):
        min_words: int = Field(5, ge=1, description="Fewest words a kept rationale has.")

    def check(self, annotation: Annotation, example: Example, task: Task) -> str | None:
        words = len((annotation.rationale or "").split())
        return "too short" if words < self.options.min_words else None
