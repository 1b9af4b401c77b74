"""The teacher cache: every answer a teacher gave, content-addressed, in one SQLite file.

Key = sha256 of the canonical JSON of (teacher identity, full rendered prompt), so a change
of model, revision, sampling parameter or prompt template misses, and a rerun hits. SQLite in
WAL mode with autocommit: each answer is durable as soon as ``put`` returns (a kill -9 right
after loses nothing), readers never block the writer, and two processes may annotate into one
file at once (the first answer stored for a key wins; a busy database is waited for).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from typing_extensions import Self

from distillkit.errors import DataError

SCHEMA_VERSION = 1
CACHE_FILE = "teacher_cache.sqlite"
BUSY_TIMEOUT_MS = 30_000  # another process may hold the write lock for a moment
_LOOKUP_CHUNK = 500  # stay far below SQLite's bound-parameter limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    teacher_type TEXT,
    model TEXT,
    identity TEXT NOT NULL,
    teacher_id TEXT,
    example_id TEXT,
    purpose TEXT,
    prompt TEXT NOT NULL,
    raw TEXT NOT NULL,
    rationale TEXT,
    answer TEXT,
    finish_reason TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    latency_s REAL,
    cost REAL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_teacher ON answers(teacher_id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
"""


@dataclass
class CacheEntry:
    """One stored teacher answer (a row of the ``answers`` table)."""

    key: str
    identity: dict[str, Any]
    prompt: str
    raw: str
    teacher_id: str | None = None
    example_id: str | None = None
    purpose: str | None = None
    rationale: str | None = None
    answer: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None
    cost: float | None = None
    created_at: float = 0.0

    def to_record(self) -> dict[str, Any]:
        """A flat, JSON-friendly row (identity as a JSON string) for exports."""
        row = asdict(self)
        row["identity"] = canonical_json(self.identity)
        row["teacher_type"] = self.identity.get("type")
        row["model"] = self.identity.get("model")
        return row


_COLUMNS = [f.name for f in fields(CacheEntry)]


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def cache_key(teacher_identity: dict[str, Any], prompt: str, *, schema: dict[str, Any] | None = None,
              example_id: str | None = None) -> str:
    """sha256 hex of the canonical JSON of identity + prompt (the whole cache addressing scheme).

    ``schema`` (a requested response schema) and ``example_id`` (for teachers that answer from
    the example, not the prompt) join the key only when set, so plain keys stay as they were.
    """
    parts: dict[str, Any] = {"identity": teacher_identity, "prompt": prompt}
    if schema is not None:
        parts["schema"] = schema
    if example_id is not None:
        parts["example_id"] = example_id
    payload = canonical_json(parts)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def cache_path(configured: str | None, output_dir: str | Path) -> Path:
    """A pipeline's teacher cache: its ``cache.path`` when set, else ``<output_dir>/teacher_cache.sqlite``.

    The one place the default is decided (the runner, ``distillkit cache`` and reports use it).
    """
    return Path(configured) if configured else Path(output_dir) / CACHE_FILE


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class TeacherCache:
    """SQLite (WAL) store of teacher answers, safe across threads and processes.

    ``put`` commits at once; ``get``/``get_many`` read by key; ``stats``, ``export`` and
    ``clear`` back the ``distillkit cache`` command. The file is created on first use.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection, shared by the engine's threads

    key = staticmethod(cache_key)

    # -- connection -------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
            for attempt in itertools.count():
                try:
                    self._conn = self._open()
                    break
                except sqlite3.OperationalError as exc:
                    # Switching a new file to WAL while another process does the same fails with
                    # "database is locked" without waiting on the busy timeout: retry that.
                    if not _is_lock_error(exc) or time.monotonic() > deadline:
                        raise self._open_error(exc) from exc
                    time.sleep(min(0.5, 0.01 * 2 ** attempt) * (0.5 + random.random()))
                except sqlite3.DatabaseError as exc:
                    raise self._open_error(exc) from exc
        return self._conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL survives a killed process (only an OS crash may lose the last commit)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _open_error(self, exc: sqlite3.DatabaseError) -> DataError:
        return DataError(f"teacher cache {self.path}: cannot open as SQLite ({exc}); "
                         f"point cache.path at another file or delete this one")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reads --------------------------------------------------------------------------------
    @staticmethod
    def _entry(row: tuple) -> CacheEntry:
        data = dict(zip(_COLUMNS, row))
        data["identity"] = json.loads(data["identity"])
        return CacheEntry(**data)

    def get(self, key: str) -> CacheEntry | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, CacheEntry]:
        """Entries for the keys that are stored (missing keys are simply absent)."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, CacheEntry] = {}
        cols = ", ".join(_COLUMNS)
        with self._lock:
            db = self._db()
            for i in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[i:i + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                for row in db.execute(f"SELECT {cols} FROM answers WHERE key IN ({marks})", chunk):
                    entry = self._entry(row)
                    out[entry.key] = entry
        return out

    def iter_entries(self, teacher_id: str | None = None) -> Iterator[CacheEntry]:
        cols = ", ".join(_COLUMNS)
        where, args = ("WHERE teacher_id = ?", (teacher_id,)) if teacher_id else ("", ())
        with self._lock:
            rows = self._db().execute(f"SELECT {cols} FROM answers {where} ORDER BY created_at, key", args).fetchall()
        for row in rows:
            yield self._entry(row)

    # -- writes -------------------------------------------------------------------------------
    def put(self, entry: CacheEntry) -> bool:
        """Store ``entry`` durably. Returns False if the key was already stored (first answer wins)."""
        if not entry.created_at:
            entry.created_at = time.time()
        record = entry.to_record()
        names = list(record)
        sql = f"INSERT OR IGNORE INTO answers ({', '.join(names)}) VALUES ({','.join('?' * len(names))})"
        with self._lock:
            cur = self._db().execute(sql, [record[n] for n in names])
        return cur.rowcount == 1

    def update_parsed(self, key: str, rationale: str | None, answer: str | None) -> None:
        """Record a re-parse of a stored answer (a changed parser), so exports show the current reading."""
        with self._lock:
            self._db().execute("UPDATE answers SET rationale = ?, answer = ? WHERE key = ?", (rationale, answer, key))

    def clear(self, *, teacher_id: str | None = None, model: str | None = None) -> int:
        """Delete entries (all, or those of one pipeline teacher id and/or model). Returns how many."""
        clauses, args = [], []
        if teacher_id:
            clauses.append("teacher_id = ?")
            args.append(teacher_id)
        if model:
            clauses.append("model = ?")
            args.append(model)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            cur = self._db().execute(f"DELETE FROM answers {where}", args)
        return cur.rowcount

    # -- reports ------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Totals, and per (teacher id, teacher type, model): entries, tokens, cost, latency."""
        sql = """SELECT teacher_id, teacher_type, model, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens),
                        SUM(cost), AVG(latency_s), MIN(created_at), MAX(created_at)
                 FROM answers GROUP BY teacher_id, teacher_type, model ORDER BY teacher_id, model"""
        with self._lock:
            rows = self._db().execute(sql).fetchall()
        names = ["teacher_id", "teacher_type", "model", "entries", "prompt_tokens", "completion_tokens",
                 "cost", "mean_latency_s", "first_at", "last_at"]
        groups = [dict(zip(names, row)) for row in rows]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return {
            "path": str(self.path),
            "entries": sum(g["entries"] for g in groups),
            "prompt_tokens": sum(g["prompt_tokens"] or 0 for g in groups),
            "completion_tokens": sum(g["completion_tokens"] or 0 for g in groups),
            "cost": sum(g["cost"] or 0.0 for g in groups),
            "bytes": size,
            "teachers": groups,
        }

    def export(self, path: str | Path, format: str | None = None, *, teacher_id: str | None = None) -> int:
        """Write entries as JSONL or parquet (a Hugging Face ``datasets``-loadable file).

        ``format`` defaults from the suffix (.jsonl/.json -> jsonl, .parquet -> parquet). The
        ``dataset`` teacher imports these files. Returns the number of rows written.
        """
        from distillkit.annotation.records import write_records

        return write_records((e.to_record() for e in self.iter_entries(teacher_id)), path, format)
