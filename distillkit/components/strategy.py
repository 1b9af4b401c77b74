"""Rationale prompting strategies: how a teacher is asked, and how its answer is read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from distillkit.components.base import Component
from distillkit.types import Annotation, Example, ParsedRationale

if TYPE_CHECKING:
    from distillkit.components.task import Task


STUDENT_OUTPUT = "student_output"  # a strategy's ``needs``: the student's own output per selected example


@dataclass
class StrategyContext:
    """What a strategy may draw on when building prompts.

    ``train`` is the pool in-context examples come from (never validation or test items).
    ``student_outputs`` maps example id -> the current student's greedy output for that
    example's inference prompt; the runner fills it for this round's selected examples only
    when the strategy declares ``STUDENT_OUTPUT`` in ``needs`` (empty otherwise). The text is
    saved with the round, so a resumed round gets exactly the same text.
    """

    task: Task
    train: list[Example]
    seed: int = 0
    student_outputs: Mapping[str, str] = field(default_factory=dict)


class RationaleStrategy(Component):
    """Builds the prompt a teacher answers and parses the teacher's raw output.

    ``prepare(ctx)`` is called once per round before prompts are built. ``build_prompt`` must
    be deterministic for a given (example, context, seed): the rendered prompt is part of the
    teacher cache key, so a template change misses the cache and a rerun hits it.
    ``parse`` must never turn a failure into an empty rationale: return
    ``ParsedRationale(None, None, error="why")`` and the engine counts and reports it.

    Declarations the core reads: ``needs`` (the signals the runner must provide in the
    context: ``STUDENT_OUTPUT``), ``uses_gold_answer`` (the prompt shows the gold answer) and
    ``purpose`` (the label stored with each answer in the cache). A strategy that needs
    anything, or shows the gold answer, is never used to score a teacher's own answers.
    """

    kind = "strategy"
    hook = "register_rationale_strategies"
    uses_gold_answer: ClassVar[bool] = False  # the prompt contains the gold answer (teacher forcing)
    needs: ClassVar[frozenset[str]] = frozenset()
    purpose: ClassVar[str] = "rationale"
    must_override = (("build_prompt",), ("parse",))
    #: The context of the current round, set by ``prepare`` (None before the first round).
    ctx: StrategyContext | None = None

    def prepare(self, ctx: StrategyContext) -> None:
        """Called once per round before any prompt is built. Overrides must call ``super().prepare``."""
        self.ctx = ctx

    def bootstrap(self, ask: Callable[[RationaleStrategy, list[Example]], list[Annotation]]) -> None:
        """Called once per round after ``prepare`` and before any prompt is built.

        ``ask(strategy, examples)`` has this strategy's teacher answer ``examples`` under
        ``strategy`` (cached, counted against the budget and filtered like any annotation) and
        returns one ``Annotation`` per example. Strategies that make their own in-context
        demonstrations (the teacher explains a few items zero-shot first) use it; the default
        does nothing and costs nothing.
        """

    def build_prompt(self, example: Example) -> str:
        raise NotImplementedError

    def parse(self, raw: str, example: Example) -> ParsedRationale:
        raise NotImplementedError

    def request_context(self, example: Example) -> Mapping[str, str]:
        """What a programmatic teacher gets besides the prompt: ``TeacherRequest.context``.

        Default: nothing. A strategy that shows the teacher something a programmatic teacher
        must read as data (the student's output it is asked to check) returns it here, under
        keys the teachers it works with document. Not part of the cache key: render into the
        prompt whatever here can change the answer.
        """
        return {}

    def response_schema(self, example: Example) -> dict[str, Any] | None:
        """A JSON schema for the teacher's reply, or None (the default: free text).

        Backends with the ``structured`` capability constrain decoding to it and return the
        JSON text; the others get the same prompt and answer in free text, so ``parse`` must
        read both. Part of the cache key when set.
        """
        return None

    def parse_verbatim(self, raw: str, example: Example, answer: str | None = None) -> ParsedRationale:
        """Read a finished rationale from a ``verbatim`` teacher (a dataset's own explanations).

        The text is kept as it is. The answer is ``answer`` when the backend knows it (a data
        column), else read from the text's last line by the task's answer format. Strategies
        that recognise final-answer statements may override this to read the answer better,
        but must not change the rationale.
        """
        text = (raw or "").strip()
        if not text:
            return ParsedRationale(None, None, error="empty rationale")
        fmt = self.ctx.task.answer_format
        source = answer if answer is not None else text.splitlines()[-1]
        return ParsedRationale(text, fmt.extract(source, example))
