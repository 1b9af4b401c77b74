"""The annotation engine: ask one teacher about many examples, once, and never lose an answer.

Per ``annotate`` call: render every prompt with the strategy, look all of them up in the
cache, ask the teacher only about the misses (batched, ``max_concurrency`` batches in flight,
transient failures retried with backoff), store each answer the moment it arrives, then parse
and filter. Every example ends as exactly one ``Annotation``: ok, parse_error, filtered or
failed, with a reason when not ok.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from distillkit.annotation.cache import TeacherCache, cache_key
from distillkit.annotation.dispatch import Dispatcher
from distillkit.annotation.progress import Progress
from distillkit.annotation.recorder import BUDGET_EXHAUSTED, Recorder, WorkItem
from distillkit.annotation.stats import AnnotationResult
from distillkit.types import Example, TeacherRequest

if TYPE_CHECKING:
    from distillkit.components import RationaleFilter, RationaleStrategy, Task, Teacher

Emit = Callable[[str, dict], None]


class AnnotationEngine:
    """Runs teachers over examples with caching, retries, progress and stats.

    ``cache``: where answers are stored (None: nothing is stored or read). ``use_cache``:
    read answers from the cache (they are always written). ``progress``: a tqdm bar on stderr
    and a summary line at the end. ``emit(event, data)``: receives ``"annotation_start"``
    ({teacher_id, items, cached, to_ask}) and ``"annotation_end"`` (the stats as a dict).

    Teacher life cycle: the engine calls ``teacher.setup()`` itself, and only when at least one
    prompt misses the cache (a fully cached rerun loads nothing); the caller calls
    ``teacher.close()`` afterwards; ``teacher.aclose()`` is awaited before the engine's event loop
    ends. The teacher's declared ``cache_answers``, ``answers_from``
    and ``verbatim`` decide what is cached, what is shared and how answers are read.
    """

    def __init__(self, cache: TeacherCache | None, *, use_cache: bool = True, progress: bool = True,
                 emit: Emit | None = None):
        self.cache = cache
        self.use_cache = use_cache
        self.progress = progress
        self.emit = emit or (lambda event, data: None)

    def annotate(self, *, teacher_id: str, teacher: Teacher, strategy: RationaleStrategy, examples: list[Example],
                 task: Task, filters: list[RationaleFilter], purpose: str | None = None,
                 max_calls: int | None = None) -> AnnotationResult:
        """One annotation per example, in order. ``max_calls`` caps uncached teacher requests;
        the items beyond it end as failed with reason "budget exhausted". ``purpose`` labels the
        answers in the cache (default: the strategy's declared ``purpose``)."""
        start = time.perf_counter()
        cache = self.cache if teacher.cache_answers else None
        identity = teacher.identity()
        items = self._work_items(identity, teacher, strategy, examples, purpose or strategy.purpose)
        hits = cache.get_many(items) if cache is not None and self.use_cache else {}
        progress = Progress(len(examples), teacher_id, self.progress)
        recorder = Recorder(teacher_id=teacher_id, identity=identity, examples=examples, strategy=strategy,
                            filters=filters, task=task, cache=cache, progress=progress, verbatim=teacher.verbatim)
        misses = [item for key, item in items.items() if key not in hits]
        self.emit("annotation_start", {"teacher_id": teacher_id, "items": len(examples),
                                       "cached": len(examples) - sum(len(m.positions) for m in misses),
                                       "to_ask": len(misses)})
        try:
            for key, entry in hits.items():
                recorder.cached(items[key], entry)
            if max_calls is not None:
                for item in misses[max_calls:]:
                    recorder.failed(item, BUDGET_EXHAUSTED)
                misses = misses[:max_calls]
            if misses:
                teacher.setup()
                _run(self._ask(teacher, recorder, misses))
        finally:
            recorder.stats.wall_s = time.perf_counter() - start
            progress.close(recorder.stats, recorder.stats.summary())
        self.emit("annotation_end", recorder.stats.to_dict())
        return recorder.result

    @staticmethod
    def _work_items(identity: dict[str, Any], teacher: Teacher, strategy: RationaleStrategy,
                    examples: list[Example], purpose: str) -> dict[str, WorkItem]:
        per_example = teacher.answers_from == "example"
        items: dict[str, WorkItem] = {}
        for pos, example in enumerate(examples):
            prompt = strategy.build_prompt(example)
            schema = strategy.response_schema(example)
            key = cache_key(identity, prompt, schema=schema, example_id=example.id if per_example else None)
            item = items.get(key)
            if item is None:  # identical requests are asked once and shared
                request = TeacherRequest(prompt=prompt, example=example, purpose=purpose,
                                         context=strategy.request_context(example), response_schema=schema)
                item = items[key] = WorkItem(key, request)
            item.positions.append(pos)
        return items

    @staticmethod
    async def _ask(teacher: Teacher, recorder: Recorder, misses: list[WorkItem]) -> None:
        try:
            await Dispatcher(teacher, recorder).run(misses)
        finally:
            await teacher.aclose()


def _run(coro) -> None:
    """Run ``coro`` to completion, also when called from inside a running event loop (notebooks)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()
