"""Scoring through any teacher with the ``score`` capability: cache, retries and a token budget.

``Scorer.score(prompts, completions, top_k)`` looks every pair up in a ``ScoreCache`` (SQLite
table ``token_scores``, keyed by the teacher's identity, the prompt TEXT, the completion TEXT and
``top_k``; it lives in the run's teacher-cache file unless told otherwise), asks the teacher only
about the misses (one ``Teacher.score`` call, which batches; transient failures are retried with
the teacher's ``max_retries`` / ``backoff_s``), stores each answer, and counts what was paid:
``calls`` (completions scored by the teacher), ``tokens`` (their tokens) and ``cost`` (the sum of
the teacher's ``TokenLogprobs.cost``; cache hits cost nothing). ``max_calls`` and
``max_tokens`` cap the spend: a request that would pass a cap raises ``BudgetSpent`` before the
teacher is asked.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from distillkit.annotation.cache import canonical_json
from distillkit.errors import DistillkitError, TransientTeacherError
from distillkit.types import TokenLogprobs

TABLE = "token_scores"


class BudgetSpent(DistillkitError):
    """Scoring more would pass ``max_calls`` or ``max_tokens``."""


def score_key(identity: dict[str, Any], prompt: str, completion: str, top_k: int) -> str:
    payload = canonical_json(
        {"identity": identity, "prompt": prompt, "completion": completion, "top_k": top_k}
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ScoreCache:
    """key -> ``TokenLogprobs`` (JSON) in table ``token_scores`` of an SQLite file (created on first use)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, teacher_id TEXT, "
                "value TEXT NOT NULL, created REAL)"
            )
        return self._conn

    def get_many(self, keys: list[str]) -> dict[str, TokenLogprobs]:
        out: dict[str, TokenLogprobs] = {}
        with self._lock:
            db = self._db()
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in db.execute(f"SELECT key, value FROM {TABLE} WHERE key IN ({marks})", chunk):
                    out[key] = TokenLogprobs(**json.loads(value))
        return out

    def put_many(self, teacher_id: str, items: dict[str, TokenLogprobs]) -> None:
        now = time.time()
        rows = [(k, teacher_id, json.dumps(asdict(v)), now) for k, v in items.items()]
        with self._lock:
            db = self._db()
            db.execute("BEGIN")
            db.executemany(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?, ?)", rows)
            db.execute("COMMIT")

    def count(self) -> int:
        with self._lock:
            return self._db().execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class Scorer:
    """One teacher's cached, retried, budgeted ``score`` (see the module docstring)."""

    def __init__(
        self,
        teacher_id: str,
        teacher: Any,
        cache: ScoreCache | None = None,
        *,
        max_calls: int | None = None,
        max_tokens: int | None = None,
        sleep=time.sleep,
    ):
        self.teacher_id, self.teacher, self.cache = teacher_id, teacher, cache
        self.max_calls, self.max_tokens = max_calls, max_tokens
        self.calls = self.tokens = self.cache_hits = 0
        self.cost = 0.0
        self._sleep = sleep
        self._identity: dict[str, Any] | None = None

    def identity(self) -> dict[str, Any]:
        if self._identity is None:
            self._identity = self.teacher.identity()
        return self._identity

    def spent(self) -> dict[str, Any]:
        return {"calls": self.calls, "tokens": self.tokens, "cache_hits": self.cache_hits, "cost": self.cost}

    def score(self, prompts: list[str], completions: list[str], *, top_k: int = 0) -> list[TokenLogprobs]:
        if len(prompts) != len(completions):
            raise ValueError(f"score: {len(prompts)} prompts but {len(completions)} completions")
        keys = [score_key(self.identity(), p, c, top_k) for p, c in zip(prompts, completions)]
        found = self.cache.get_many(list(dict.fromkeys(keys))) if self.cache is not None else {}
        todo = list(dict.fromkeys(k for k in keys if k not in found))
        self.cache_hits += sum(1 for k in keys if k in found)
        if todo:
            if self.max_calls is not None and self.calls + len(todo) > self.max_calls:
                raise BudgetSpent(
                    f"teacher {self.teacher_id!r}: scoring {len(todo)} more completions would pass "
                    f"the cap of {self.max_calls} calls ({self.calls} spent)"
                )
            if self.max_tokens is not None and self.tokens >= self.max_tokens:
                raise BudgetSpent(
                    f"teacher {self.teacher_id!r}: {self.tokens} tokens scored, cap {self.max_tokens}"
                )
            first = {k: i for i, k in reversed(list(enumerate(keys)))}
            fresh = self._ask([prompts[first[k]] for k in todo], [completions[first[k]] for k in todo], top_k)
            self.calls += len(todo)
            self.tokens += sum(len(s) for s in fresh)
            self.cost += sum(s.cost or 0.0 for s in fresh)
            new = dict(zip(todo, fresh))
            if self.cache is not None:
                self.cache.put_many(self.teacher_id, new)
            found.update(new)
        return [found[k] for k in keys]

    def _ask(self, prompts: list[str], completions: list[str], top_k: int) -> list[TokenLogprobs]:
        opts = self.teacher.options
        retries, delay = opts.max_retries, opts.backoff_s
        for attempt in range(retries + 1):
            try:
                out = self.teacher.score(prompts, completions, top_k=top_k)
                if len(out) != len(prompts):
                    raise DistillkitError(
                        f"teacher {self.teacher_id!r} returned {len(out)} scores for "
                        f"{len(prompts)} completions"
                    )
                return out
            except TransientTeacherError:
                if attempt == retries:
                    raise
                self._sleep(delay * (2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")
