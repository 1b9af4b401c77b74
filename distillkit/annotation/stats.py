"""What one annotation pass did: counts, tokens, cost, failures, drops (the run report's teacher table)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from distillkit.types import Annotation

PARSE_ERROR_SAMPLES = 5  # raw outputs kept per pass for the run report
_SAMPLE_CHARS = 600
_CATEGORY_CHARS = 60


def failure_category(message: str) -> str:
    """The short category of a teacher error message ("http 429: Too Many Requests" -> "http 429").

    Teacher errors are written "<category>: <details>"; the category is what failures are
    counted by, so a thousand timeouts make one row, not a thousand.
    """
    head = message.split(":", 1)[0].strip()
    return (head or "error")[:_CATEGORY_CHARS]


@dataclass
class AnnotationStats:
    """Counters of one ``AnnotationEngine.annotate`` call (one teacher, one round).

    ``calls``: uncached requests the teacher answered (what was paid for). ``attempts``: every
    request sent, retries included. ``cache_hits``: items answered from the cache. Tokens and
    cost count only this pass's calls; ``cost`` stays None unless the teacher reports costs.
    """

    teacher_id: str = ""
    items: int = 0
    ok: int = 0
    calls: int = 0
    attempts: int = 0
    retries: int = 0
    cache_hits: int = 0
    failed: int = 0
    failures_by_reason: dict[str, int] = field(default_factory=dict)
    parse_errors: int = 0
    filter_drops_by_reason: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    wall_s: float = 0.0

    def add_usage(self, prompt_tokens: int | None, completion_tokens: int | None, cost: float | None) -> None:
        self.prompt_tokens += prompt_tokens or 0
        self.completion_tokens += completion_tokens or 0
        if cost is not None:
            self.cost = (self.cost or 0.0) + cost

    def count_failure(self, reason: str) -> None:
        self.failed += 1
        _bump(self.failures_by_reason, failure_category(reason))

    def count_drop(self, reason: str) -> None:
        _bump(self.filter_drops_by_reason, reason)

    @property
    def filtered(self) -> int:
        return sum(self.filter_drops_by_reason.values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One human line for the end of a pass."""
        cost = f", cost {self.cost:.4f}" if self.cost is not None else ""
        parts = [
            f"{self.teacher_id}: {self.ok}/{self.items} ok",
            f"{self.calls} calls ({self.retries} retries), {self.cache_hits} cached",
            f"tokens {self.prompt_tokens} in / {self.completion_tokens} out{cost}",
            f"{self.wall_s:.1f}s",
        ]
        if self.failures_by_reason:
            parts.append("failed " + _fmt(self.failures_by_reason))
        if self.parse_errors:
            parts.append(f"parse errors {self.parse_errors}")
        if self.filter_drops_by_reason:
            parts.append("dropped " + _fmt(self.filter_drops_by_reason))
        return "; ".join(parts)


def _bump(counter: dict[str, int], key: str) -> None:
    counter[key] = counter.get(key, 0) + 1


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in Counter(counts).most_common())


@dataclass
class AnnotationResult:
    """``annotations``: one per input example, in input order. ``parse_error_samples``: a few
    raw outputs that failed to parse ({example_id, error, raw}), for the run report."""

    annotations: list[Annotation]
    stats: AnnotationStats
    parse_error_samples: list[dict[str, Any]] = field(default_factory=list)

    def sample_parse_error(self, annotation: Annotation) -> None:
        if len(self.parse_error_samples) < PARSE_ERROR_SAMPLES:
            raw = annotation.raw or ""
            self.parse_error_samples.append(
                {"example_id": annotation.example_id, "error": annotation.reason, "raw": raw[:_SAMPLE_CHARS]}
            )

    @property
    def ok(self) -> list[Annotation]:
        return [a for a in self.annotations if a.ok]
