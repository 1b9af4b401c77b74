"""Teacher backends: anything that turns prompts into text (and, optionally, scores tokens)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, StringConstraints

from distillkit.components.base import Component, ComponentOptions
from distillkit.types import Generation, TeacherRequest, TokenLogprobs

GENERATE = "generate"
SCORE = "score"  # implements Teacher.score: per-token logprobs of given completions (logit_kd, on_policy)
STRUCTURED = "structured"  # can constrain decoding to TeacherRequest.response_schema (JSON schema)

# Stop strings as OpenAI's `stop` takes them: one string or a list, none of them empty.
StopStrings = Annotated[list[Annotated[str, StringConstraints(min_length=1)]],
                        BeforeValidator(lambda value: [value] if isinstance(value, str) else value)]


class TeacherOptions(ComponentOptions):
    """Engine-level options every teacher has. Subclass to add the backend's own."""

    max_concurrency: int = Field(1, ge=1, description="Batches in flight at once.")
    batch_size: int = Field(1, ge=1, description="Prompts sent to the backend per call.")
    max_retries: int = Field(5, ge=0, description="Retries of a transient failure (timeout, 429, 5xx).")
    backoff_s: float = Field(
        0.5, ge=0, description="First retry delay in seconds; doubles per retry, with jitter."
    )


ENGINE_FIELDS = frozenset(TeacherOptions.model_fields)


class Teacher(Component):
    """A teacher backend.

    The smallest teacher overrides ``generate_one(prompt) -> str``; programmatic teachers that
    need the example itself override ``generate_request(request)`` instead. The annotation engine gives
    every teacher batching, concurrency, caching, retries (raise
    ``distillkit.errors.TransientTeacherError`` for a failure worth retrying) and progress.

    Override ``generate_batch`` when the backend batches natively (local models), or
    ``async agenerate_batch`` for async clients (the engine then awaits it on its event loop and
    never calls ``generate_batch``; ``async aclose()`` releases the client on that loop).
    ``setup()`` loads, ``close()`` releases memory (called when annotation ends, so a student can
    train in the same process).

    ``identity()`` goes into every cache key: it must change whenever the same prompt could
    get a different answer (model, revision, sampling parameters).
    """

    kind = "teacher"
    hook = "register_teacher_backends"
    capabilities: ClassVar[frozenset[str]] = frozenset({GENERATE})
    #: False: answers cost nothing and could go stale (e.g. read from a file), so they are never
    #: cached and the teacher is asked every time.
    cache_answers: ClassVar[bool] = True
    #: What the answer depends on. "prompt": an LLM; identical prompts are asked once and share
    #: the answer. "example": the answer is looked up or computed from ``request.example`` (a
    #: dataset's explanations, a programmatic solver), so it is never shared between examples and
    #: the example id is part of its cache key.
    answers_from: ClassVar[str] = "prompt"
    #: False: the answer ignores the prompt and the request's context (it is read per example from a
    #: file or a dataset), so a strategy that asks about the student's own output (ELAD's revision)
    #: cannot use this teacher; ``distillkit validate`` reports the pair.
    reads_request: ClassVar[bool] = True
    #: True: the text is a finished rationale written elsewhere (a dataset's explanations, released
    #: teacher outputs), not fresh model output. Strategies then keep it as it is (no echo
    #: stripping, no cutting at a final-answer statement) and only read the answer from it
    #: (``RationaleStrategy.parse_verbatim``); ``Generation.answer`` gives the answer when known.
    #: A subclass may make it a property when an option decides it.
    verbatim: bool = False

    Options = TeacherOptions
    must_override = (("generate_one", "generate_request", "generate_batch", "agenerate_batch"),)

    def setup(self) -> None:
        """Load the model or open the client. Called once before the first batch."""

    def close(self) -> None:
        """Release the model / client. Called when annotation ends."""

    async def aclose(self) -> None:
        """Release async resources (an HTTP client) on the engine's event loop, before the loop ends.

        Awaited once after every annotation call that asked the teacher anything. Default: nothing.
        """

    def identity(self) -> dict[str, Any]:
        """Backend identity + sampling parameters for the cache key (engine options excluded)."""
        opts = self.options.model_dump(mode="json", exclude=set(ENGINE_FIELDS) | self.secret_fields())
        return {"type": self.name, **opts}

    def secret_fields(self) -> set[str]:
        """Option names that hold secrets or their env-var names; kept out of cache keys and logs."""
        return set()

    def generate_one(self, prompt: str) -> str | Generation:
        raise NotImplementedError(f"teacher {self.name!r} implements neither generate_one nor generate_batch")

    def generate_request(self, request: TeacherRequest) -> str | Generation:
        return self.generate_one(request.prompt)

    def generate_batch(self, requests: list[TeacherRequest]) -> list[Generation]:
        """One Generation per request, in order. Raise TransientTeacherError to have the batch retried."""
        out = []
        for request in requests:
            result = self.generate_request(request)
            out.append(result if isinstance(result, Generation) else Generation(text=result))
        return out

    def score(self, prompts: list[str], completions: list[str], *, top_k: int = 0) -> list[TokenLogprobs]:
        """Per-token log-probabilities of ``completions[i]`` after ``prompts[i]`` (capability ``score``).

        One ``TokenLogprobs`` per pair, in order. The prompt is formatted as the teacher formats a
        generation prompt (e.g. its chat template); the completion is tokenized on its own, with
        no special tokens added, and special-token text in it (an end-of-sequence marker) reads as
        that token, so a caller sharing the teacher's tokenizer gets its own ids back.
        ``top_k > 0`` asks for the k most likely tokens per position where the backend has them.
        Raise ``TransientTeacherError`` for a failure worth retrying. Only teachers that declare
        ``score`` in ``capabilities`` override this; callers cache and budget around it.
        """
        raise NotImplementedError(f"teacher {self.name!r} cannot score tokens (no 'score' capability)")

    async def agenerate_batch(self, requests: list[TeacherRequest]) -> list[Generation | str]:
        """The async form of ``generate_batch``, same contract. Override it for async clients.

        The engine awaits the override on its event loop, ``max_concurrency`` batches at once. The
        default is not used: the engine runs ``generate_batch`` in a thread pool as wide as
        ``max_concurrency`` (see ``Teacher.overrides``). It is here so direct callers can await any
        teacher.
        """
        return await asyncio.to_thread(self.generate_batch, requests)
