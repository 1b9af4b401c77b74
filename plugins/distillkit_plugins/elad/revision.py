"""``teacher_revision``: ELAD's annotation strategy, the teacher corrects the student's own reasoning."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from distillkit.components import ComponentOptions, CrossCheck, RationaleStrategy, StrategyContext
from distillkit.components.strategy import STUDENT_OUTPUT
from distillkit.types import Example, ParsedRationale
from distillkit_plugins.basic.rationale_parsing import strip_echo
from distillkit_plugins.elad.revision_parser import RevisionOutcome, RevisionRules, parse_revision
from distillkit_plugins.elad.revision_prompt import revision_prompt
from distillkit_plugins.elad.steps import SplitExplanation, SplitMode, split_explanation
from distillkit_plugins.elad.structured_reply import (
    answer_schema,
    reply_as_text,
    revision_schema,
    solution_schema,
)
from distillkit_plugins.elad.verdict import VerdictError, find_verdict, without_verdict

# U+FFFD and control characters: what an untrained byte-level student writes
_NOT_TEXT = re.compile(r"[\ufffd\x00-\x08\x0b-\x1f\x7f]")
# The key of ``TeacherRequest.context`` holding the student's explanation under revision
# (programmatic teachers such as ``synthetic_solver`` read it; an LLM reads the prompt).
STUDENT_EXPLANATION = "student_explanation"


class TeacherRevision(RationaleStrategy):
    """ELAD revision: the teacher checks the student's steps, keeps the correct prefix, rewrites the rest.

    It declares ``needs = {STUDENT_OUTPUT}``: the runner gives it each selected item's student
    output (the explanation the selector scored when it kept one, else the student's greedy
    output) in ``ctx.student_outputs``. The prompt (``revision_prompt``) shows the question and
    that explanation and asks for the corrected solution
    and a verdict line. ``parse`` reads the reply with ``parse_revision``: a kept student
    explanation, a revision, a full teacher rationale (fallback), or a counted parse error.

    When the student wrote no steps at all and ``fallback_to_full_rationale`` is on, the
    teacher is asked the plain ``cot`` question instead (nothing to revise).

    ``keep_correct_student_explanation``: on an "all steps correct" verdict the student's own
    text becomes the rationale, and the prompt tells the teacher to reply with the verdict
    alone, so a correct explanation costs one short completion and no written rationale.

    ``response_schema`` asks teachers with the ``structured`` capability for a JSON reply
    (verdict, first wrong step, corrected steps, final answer: ``structured_reply.py``); ``parse``
    reads JSON first and free text otherwise, so the same strategy serves both kinds of teacher.
    Each request carries the student's text in ``context[STUDENT_EXPLANATION]`` for programmatic
    teachers, and its answers are labelled ``purpose = "revision"`` in the cache.
    """

    name = "teacher_revision"
    needs = frozenset({STUDENT_OUTPUT})
    purpose = "revision"

    class Options(ComponentOptions):
        keep_correct_student_explanation: bool = Field(
            True, description="On an 'all steps correct' verdict keep the student's explanation as the rationale "
            "(the teacher writes only the verdict); off: the teacher writes its own full solution.")
        fallback_to_full_rationale: bool = Field(
            True, description="Use the teacher's full solution when there is nothing to revise or no readable "
            "verdict (the student wrote no steps, the reply has no verdict line); off: such items are parse errors.")
        step_splitter: SplitMode = Field(
            "lines", description="How the student's explanation is cut into numbered steps: lines, step_markers "
            "(\"Step k:\") or sentences. Use the selector's setting.")
        match_student_style: bool = Field(
            True, description="Drop 'Step k:' labels from the teacher's rewritten steps when the student does not "
            "write them, so the rationale reads like the student's own.")
        answer_cue: str = Field("So the answer is", min_length=1,
                                description="The answer line the teacher is asked to end with.")

    @classmethod
    def cross_check(cls, options: Options, pipeline: Any) -> list[CrossCheck]:
        loss = getattr(pipeline, "loss", None)
        if loss is None or loss.student_reasons:
            return []
        return [CrossCheck(
            location="type", message=f"strategy {cls.name!r} revises the student's own reasoning, but loss "
            f"{loss.name!r} trains a student that answers without reasoning",
            hint="use a loss whose student reasons before answering (one with student_reasons, e.g. cot_sft), "
            "or a strategy that writes whole rationales (e.g. cot)")]

    def prepare(self, ctx: StrategyContext) -> None:
        super().prepare(ctx)
        self._cot = None
        if self.options.fallback_to_full_rationale:
            from distillkit_plugins.basic.cot_strategy import CoTStrategy

            self._cot = CoTStrategy(answer_hint=f'End with "{self.options.answer_cue} <answer>."')
            self._cot.prepare(ctx)

    def student(self, example: Example) -> SplitExplanation:
        """The student's explanation of ``example``, split into steps ("" when none was given).

        Steps that are mostly undecodable bytes (an untrained student) are not reasoning to
        revise: when every step is such noise, the explanation counts as having no steps.
        """
        text = self.ctx.student_outputs.get(example.id, "")
        split = split_explanation(text, self.options.step_splitter)
        if split.steps and all(len(_NOT_TEXT.findall(s.text)) * 2 > len(s.text) for s in split.steps):
            return split_explanation("", self.options.step_splitter)
        return split

    def request_context(self, example: Example) -> Mapping[str, str]:
        return {STUDENT_EXPLANATION: self.ctx.student_outputs.get(example.id, "")}

    def response_schema(self, example: Example) -> dict[str, Any] | None:
        student = self.student(example)
        answer = answer_schema(getattr(self.ctx.task.answer_format, "name", ""), tuple(example.choices))
        return solution_schema(answer) if self._asks_full(student) else revision_schema(len(student.steps), answer)

    def _asks_full(self, student: SplitExplanation) -> bool:
        return self._cot is not None and not student.steps

    def build_prompt(self, example: Example) -> str:
        if getattr(self, "ctx", None) is None:
            raise RuntimeError(f"strategy {self.name!r}: call prepare(ctx) before build_prompt")
        student = self.student(example)
        if self._asks_full(student):
            return self._cot.build_prompt(example)
        return revision_prompt(self.ctx.task, example, student, answer_cue=self.options.answer_cue,
                               keep_correct=self.options.keep_correct_student_explanation)

    def outcome(self, raw: str, example: Example) -> RevisionOutcome:
        """The full reading of a reply (kind, verdict, kept steps); ``parse`` keeps what training needs."""
        student = self.student(example)
        if raw is None or not raw.strip():
            return RevisionOutcome("error", error="empty output")
        if self._asks_full(student):
            try:
                verdict = find_verdict(raw)
            except VerdictError:
                verdict = None
            parsed = self._cot.parse(without_verdict(reply_as_text(raw), verdict), example)
            if not parsed.ok or parsed.answer is None:
                return RevisionOutcome("error", error=parsed.error or "full rationale states no final answer")
            return RevisionOutcome("full", parsed.rationale, parsed.answer, verdict,
                                   fallback="the student wrote no steps: the teacher's own solution")
        o = self.options
        rules = RevisionRules(o.keep_correct_student_explanation, o.fallback_to_full_rationale, o.step_splitter,
                              o.match_student_style)
        text = strip_echo(raw, self.build_prompt(example), None)
        return parse_revision(text, student, example, self.ctx.task.answer_format, rules)

    def parse(self, raw: str, example: Example) -> ParsedRationale:
        return self.outcome(raw, example).to_parsed()
