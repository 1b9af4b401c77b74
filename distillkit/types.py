"""Shared data types passed between components. Plain dataclasses: no torch here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Example:
    """One task item.

    ``answer`` is the gold answer in the task's canonical form (for multiple choice, the
    choice TEXT, as TinyLLM trains on it). ``rationale`` is a gold/human explanation when the
    data has one (a ``dataset`` teacher can serve it).
    """

    id: str
    question: str
    answer: str
    choices: tuple[str, ...] = ()
    rationale: str | None = None
    context: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Splits:
    train: list[Example]
    validation: list[Example]
    test: list[Example]

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


@dataclass(frozen=True)
class TeacherRequest:
    """One prompt for a teacher, with the example it is about.

    Text-in/text-out teachers read only ``prompt``. Programmatic teachers (oracles, solvers,
    a dataset's own explanations) may read ``example`` and ``context`` too.

    ``purpose`` labels what the answer is for; it is stored with the answer in the cache (the
    ``purpose`` column) and never changes the key: the strategy's declared
    ``RationaleStrategy.purpose`` ("rationale" unless it says otherwise), or "demonstration"
    for the in-context demonstrations a strategy bootstraps.
    ``context`` is what the strategy hands a programmatic teacher besides the prompt
    (``RationaleStrategy.request_context``); its keys are a convention between that strategy
    and the teachers that read them. It is not part of the cache key, so a strategy must render
    into the prompt whatever in it can change the answer.
    ``response_schema`` is a JSON schema the strategy asks the reply to follow (e.g. a verdict
    and an answer): backends with the ``structured`` capability constrain decoding to it and
    return the JSON text; other backends ignore it, so strategies must parse free text too.
    The cache key is the teacher's identity, the prompt, the schema when set, and the example
    id for teachers that answer from the example (``Teacher.answers_from == "example"``).
    """

    prompt: str
    example: Example
    purpose: str = "rationale"
    context: Mapping[str, str] = field(default_factory=dict)
    response_schema: dict[str, Any] | None = None


@dataclass
class Generation:
    """What a teacher backend returns for one prompt."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None  # in the currency of the configured prices
    finish_reason: str | None = None  # "stop", "length", ...
    answer: str | None = None  # the final answer, where the backend knows it apart from the text (a data column)


@dataclass
class TokenLogprobs:
    """A teacher's scores of one completion after its prompt (what ``Teacher.score`` returns).

    Every list runs over the completion's tokens, in the teacher's tokenization:
    ``token_ids[t]`` and ``logprobs[t]`` (natural log-probability of that token given the prompt
    and the tokens before it); ``tokens[t]`` its text piece when the backend gives it. When top-k
    was asked and the backend has it, ``top_ids[t]`` / ``top_logprobs[t]`` hold the teacher's k
    most likely tokens at that position, most likely first; otherwise both are None. ``cost`` is what
    scoring it cost when the teacher prices its tokens (e.g. ``openai_compat`` with ``prices``: the
    prompt and completion tokens the server read), else None.
    """

    token_ids: list[int]
    logprobs: list[float]
    tokens: list[str] | None = None
    top_ids: list[list[int]] | None = None
    top_logprobs: list[list[float]] | None = None
    cost: float | None = None

    def __len__(self) -> int:
        return len(self.token_ids)


@dataclass(frozen=True)
class ParsedRationale:
    """A strategy's reading of a raw teacher output."""

    rationale: str | None
    answer: str | None
    error: str | None = None  # set when parsing failed: the reason, never an empty rationale

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.rationale)


@dataclass
class Annotation:
    """One teacher's answer for one example, as the annotation engine records it.

    ``status`` is "ok", "parse_error", "filtered" or "failed"; ``reason`` says why when not ok.
    """

    example_id: str
    teacher_id: str
    prompt: str
    raw: str | None
    rationale: str | None
    answer: str | None
    status: str
    reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    latency_s: float | None = None
    cached: bool = False
    finish_reason: str | None = None  # the backend's ("stop", "length"...): filters spot truncation

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class View:
    """One (prompt -> target) training sequence made from an example.

    ``component`` names the loss component it feeds (e.g. "answer", "rationale:llama");
    its weight comes from the loss. The trainer computes token-mean cross entropy over the
    target tokens of each view, in one forward pass for all views of a batch.
    """

    example_id: str
    prompt: str
    target: str
    component: str
    weight: float = 1.0


@dataclass
class Selection:
    """An example a selector picked, with its score and why (shown in the run report).

    ``student_output`` is the current student's greedy output for the example's inference
    prompt when the selector generated it while scoring (None otherwise). The runner hands it
    to strategies that declare ``STUDENT_OUTPUT`` instead of generating it again, so the
    teacher sees exactly the text the selector scored. It is saved with the selection.
    """

    example: Example
    score: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    student_output: str | None = None


@dataclass
class MetricResult:
    name: str
    value: float
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
