"""Turns teacher answers (fresh or cached) and failures into ``Annotation`` records.

One place decides an item's final status, so fresh and cached answers are read the same way:
the raw text is parsed by the strategy and checked by the filters every time (a changed parser
or filter never needs the teacher again). Fresh answers are written to the cache before anything
else can go wrong with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from distillkit.annotation.cache import CacheEntry, TeacherCache
from distillkit.annotation.progress import Progress
from distillkit.annotation.stats import AnnotationResult, AnnotationStats
from distillkit.secrets import redact, redact_obj
from distillkit.types import Annotation, Example, Generation, ParsedRationale, TeacherRequest

if TYPE_CHECKING:
    from distillkit.components import RationaleFilter, RationaleStrategy, Task

BUDGET_EXHAUSTED = "budget exhausted"


@dataclass
class WorkItem:
    """One distinct prompt to answer; ``positions`` are the input indices that share it."""

    key: str
    request: TeacherRequest
    positions: list[int] = field(default_factory=list)


class Recorder:
    """Collects the final ``Annotation`` of every input position, with stats and progress."""

    def __init__(self, *, teacher_id: str, identity: dict, examples: list[Example], strategy: RationaleStrategy,
                 filters: list[RationaleFilter], task: Task, cache: TeacherCache | None, progress: Progress,
                 verbatim: bool = False):
        self.teacher_id = teacher_id
        self.identity = identity
        self.examples = examples
        self.strategy = strategy
        self.filters = filters
        self.task = task
        self.cache = cache
        self.progress = progress
        self.verbatim = verbatim  # the teacher's text is a finished rationale: keep it as it is
        self.stats = AnnotationStats(teacher_id=teacher_id, items=len(examples))
        self.result = AnnotationResult([None] * len(examples), self.stats)  # type: ignore[list-item]

    # -- outcomes -------------------------------------------------------------------------------
    def answered(self, item: WorkItem, gen: Generation, latency_s: float) -> None:
        """A fresh answer: store it durably, then parse and filter it for every position."""
        entry = CacheEntry(  # stored text is redacted; the key (computed before) is not affected
            key=item.key, identity=redact_obj(self.identity), prompt=redact(item.request.prompt), raw=gen.text,
            teacher_id=self.teacher_id, example_id=item.request.example.id, purpose=item.request.purpose,
            finish_reason=gen.finish_reason, prompt_tokens=gen.prompt_tokens,
            completion_tokens=gen.completion_tokens, latency_s=latency_s, cost=gen.cost,
        )
        try:
            parsed = self._parse(gen.text, item.request.example, gen.answer)
        except Exception:
            self._store(entry)  # a crashing parser must not lose a paid answer
            raise
        entry.rationale, entry.answer = parsed.rationale, parsed.answer
        self._store(entry)
        self.stats.calls += 1
        self.stats.add_usage(gen.prompt_tokens, gen.completion_tokens, gen.cost)
        self._finish_all(item, entry, cached=False, parsed=parsed)

    def cached(self, item: WorkItem, entry: CacheEntry) -> None:
        # a verbatim teacher's stored answer came from the backend (a data column), not from parsing
        parsed = self._parse(entry.raw, item.request.example, entry.answer if self.verbatim else None)
        if self.cache is not None and (parsed.rationale, parsed.answer) != (entry.rationale, entry.answer):
            self.cache.update_parsed(entry.key, parsed.rationale, parsed.answer)
        self.stats.cache_hits += len(item.positions)
        self._finish_all(item, entry, cached=True, parsed=parsed)

    def failed(self, item: WorkItem, reason: str) -> None:
        reason = redact(reason)  # e.g. "connection: ... (POST http://user:key@host/v1/...)"
        for pos in item.positions:
            ann = self._annotation(pos, item.request.prompt, None, ParsedRationale(None, None), cached=False)
            ann.status, ann.reason = "failed", reason
            self.stats.count_failure(reason)
            self._set(pos, ann)

    # -- internals ------------------------------------------------------------------------------
    def _parse(self, raw: str, example: Example, answer: str | None = None) -> ParsedRationale:
        if self.verbatim:
            return self.strategy.parse_verbatim(raw, example, answer)
        return self.strategy.parse(raw, example)

    def _store(self, entry: CacheEntry) -> None:
        if self.cache is not None:
            self.cache.put(entry)

    def _finish_all(self, item: WorkItem, entry: CacheEntry, *, cached: bool, parsed: ParsedRationale) -> None:
        for i, pos in enumerate(item.positions):
            if i:  # a duplicate prompt: same raw text, read against its own example
                parsed = self._parse(entry.raw, self.examples[pos], entry.answer if self.verbatim else None)
            ann = self._annotation(pos, item.request.prompt, entry, parsed, cached=cached)
            self._judge(ann, parsed, self.examples[pos])
            self._set(pos, ann)

    def _annotation(self, pos: int, prompt: str, entry: CacheEntry | None, parsed: ParsedRationale,
                    *, cached: bool) -> Annotation:
        return Annotation(
            example_id=self.examples[pos].id, teacher_id=self.teacher_id, prompt=prompt,
            raw=entry.raw if entry else None, rationale=parsed.rationale, answer=parsed.answer,
            status="ok", prompt_tokens=entry.prompt_tokens if entry else None,
            completion_tokens=entry.completion_tokens if entry else None,
            cost=entry.cost if entry else None, latency_s=entry.latency_s if entry else None,
            cached=cached, finish_reason=entry.finish_reason if entry else None,
        )

    def _judge(self, ann: Annotation, parsed: ParsedRationale, example: Example) -> None:
        if not parsed.ok:
            ann.status, ann.reason = "parse_error", parsed.error or "empty rationale"
            self.stats.parse_errors += 1
            self.result.sample_parse_error(ann)
            return
        for flt in self.filters:
            reason = flt.check(ann, example, self.task)
            if reason:
                ann.status, ann.reason = "filtered", reason
                self.stats.count_drop(reason)
                return
        self.stats.ok += 1

    def _set(self, pos: int, ann: Annotation) -> None:
        self.result.annotations[pos] = ann
        self.progress.advance(self.stats)
