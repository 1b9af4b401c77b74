"""Sends work items to a teacher: batches, bounded concurrency, retries with backoff.

Async teachers (``async def agenerate_batch``) run on the event loop; sync teachers
(``generate_batch``, hence every ``generate_one`` teacher) run in a thread pool as wide as
``max_concurrency``. A batch result may hold, per request, a ``Generation``, a plain string,
or a ``TeacherError`` instance: only the failed requests of a batch are retried, so an answer
already paid for is never asked again. A concurrency slot is released while a batch backs off.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from distillkit.annotation.backoff import retry_delay
from distillkit.annotation.recorder import Recorder, WorkItem
from distillkit.components import Teacher
from distillkit.errors import TeacherError, TransientTeacherError
from distillkit.types import Generation, TeacherRequest

BatchCall = Callable[[list[TeacherRequest]], Awaitable[list[Any]]]


def batch_call(teacher: Teacher, executor: ThreadPoolExecutor | None) -> BatchCall:
    if teacher.overrides("agenerate_batch"):
        return teacher.agenerate_batch

    async def call(requests: list[TeacherRequest]) -> list[Any]:
        return await asyncio.get_running_loop().run_in_executor(executor, teacher.generate_batch, requests)

    return call


def _as_outcome(value: Any) -> Generation | TeacherError:
    if isinstance(value, Generation):
        return value if isinstance(value.text, str) else TeacherError(f"bad generation: text is {type(value.text).__name__}")
    if isinstance(value, str):
        return Generation(text=value)
    if isinstance(value, TeacherError):
        return value
    return TeacherError(f"bad generation: expected Generation or str, got {type(value).__name__}")


class Dispatcher:
    """Answers ``WorkItem``s through one teacher, reporting each outcome to the ``Recorder``."""

    def __init__(self, teacher: Teacher, recorder: Recorder):
        self.teacher = teacher
        self.recorder = recorder
        self.opts = teacher.options

    async def run(self, items: list[WorkItem]) -> None:
        size = self.opts.batch_size
        batches = [items[i:i + size] for i in range(0, len(items), size)]
        slots = asyncio.Semaphore(self.opts.max_concurrency)
        executor = ThreadPoolExecutor(max_workers=self.opts.max_concurrency, thread_name_prefix="teacher")
        call = batch_call(self.teacher, executor)
        try:
            tasks = [asyncio.create_task(self._batch(b, call, slots)) for b in batches]
            await _all_or_first_error(tasks)
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    async def _batch(self, batch: list[WorkItem], call: BatchCall, slots: asyncio.Semaphore) -> None:
        pending, attempt = batch, 0
        while pending:
            async with slots:
                outcomes, latency = await self._attempt(pending, call)
            outcomes = [_refuse_empty(o, self.teacher.cache_answers) for o in outcomes]
            retry, retry_after = [], None
            for item, outcome in zip(pending, outcomes):
                if isinstance(outcome, Generation):
                    self.recorder.answered(item, outcome, latency)
                elif isinstance(outcome, TransientTeacherError) and attempt < self.opts.max_retries:
                    retry.append(item)
                    if outcome.retry_after is not None:
                        retry_after = max(retry_after or 0.0, outcome.retry_after)
                else:
                    self.recorder.failed(item, _reason(outcome, attempt))
            if retry:
                attempt += 1
                self.recorder.stats.retries += len(retry)
                await asyncio.sleep(retry_delay(attempt, self.opts.backoff_s, retry_after))
            pending = retry

    async def _attempt(self, pending: list[WorkItem], call: BatchCall) -> tuple[list[Any], float]:
        self.recorder.stats.attempts += len(pending)
        start = time.monotonic()
        try:
            results = await call([item.request for item in pending])
            if not isinstance(results, list) or len(results) != len(pending):
                n = len(results) if isinstance(results, list) else type(results).__name__
                results = [TeacherError(f"bad batch: teacher returned {n} results for {len(pending)} requests")] * len(pending)
        except TeacherError as exc:  # the whole batch failed the same way
            results = [exc] * len(pending)
        return [_as_outcome(r) for r in results], time.monotonic() - start


def _refuse_empty(outcome: Generation | TeacherError, retry: bool) -> Generation | TeacherError:
    """An answer with no text is never stored: cached, a one-off glitch would be a permanent parse
    error. From a teacher that caches (a server, a model) it is retried like a dropped connection;
    from one that does not (data read from a file) asking again gives the same, so it fails."""
    if not isinstance(outcome, Generation) or outcome.text.strip():
        return outcome
    message = f"empty answer: the teacher returned no text (finish_reason={outcome.finish_reason!r})"
    return TransientTeacherError(message) if retry else TeacherError(message)


def _reason(error: TeacherError, attempt: int) -> str:
    text = str(error) or type(error).__name__
    if isinstance(error, TransientTeacherError):
        return f"{text} (gave up after {attempt + 1} attempts)"
    return text


async def _all_or_first_error(tasks: list[asyncio.Task]) -> None:
    """Wait for all tasks; on the first unexpected error cancel the rest and raise it.

    Teacher failures never get here (they are recorded per item); what does is a bug, which
    must stop the run loudly. Answers stored so far stay in the cache for the rerun.
    """
    if not tasks:
        return
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()
