"""The SQLite teacher cache: keys, durability, two writers, stats, export, clear, and its CLI."""

from __future__ import annotations

import multiprocessing as mp

import pytest
from click.testing import CliRunner

from distillkit.annotation.cache import CacheEntry, TeacherCache, cache_key
from distillkit.cli.main import cli
from distillkit.errors import DataError

IDENT = {"type": "openai_compat", "model": "m", "temperature": 0.0}


def entry(i: int, ident=IDENT, teacher_id="t1", **kw) -> CacheEntry:
    prompt = f"prompt {i}"
    return CacheEntry(key=cache_key(ident, prompt), identity=ident, prompt=prompt, raw=f"raw {i}",
                      teacher_id=teacher_id, example_id=f"e{i}", prompt_tokens=10, completion_tokens=5, cost=0.01, **kw)


def test_key_covers_identity_and_full_prompt():
    k = cache_key(IDENT, "p")
    assert len(k) == 64 and k == cache_key(dict(reversed(list(IDENT.items()))), "p")  # canonical JSON
    assert k != cache_key(IDENT, "p ") and k != cache_key({**IDENT, "temperature": 0.1}, "p")
    assert k != cache_key({**IDENT, "revision": "2"}, "p")
    assert TeacherCache.key(IDENT, "p") == k


def test_put_get_first_answer_wins(tmp_path):
    with TeacherCache(tmp_path / "c.sqlite") as cache:
        assert cache.put(entry(1)) is True
        assert cache.put(CacheEntry(**{**entry(1).__dict__, "raw": "other"})) is False
        got = cache.get(entry(1).key)
        assert (got.raw, got.identity, got.example_id, got.prompt_tokens) == ("raw 1", IDENT, "e1", 10)
        assert got.created_at > 0 and cache.get("0" * 64) is None
    with TeacherCache(tmp_path / "c.sqlite") as reopened:  # committed: visible to a new connection
        assert reopened.get_many([entry(1).key, "x"]).keys() == {entry(1).key}


def _writer(path: str, start: int, n: int) -> None:
    with TeacherCache(path) as cache:
        for i in range(start, start + n):
            cache.put(entry(i))


def test_two_processes_write_at_once(tmp_path):
    path = str(tmp_path / "c.sqlite")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, start, 150)) for start in (0, 100)]  # 50 keys overlap
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with TeacherCache(path) as cache:
        assert cache.stats()["entries"] == 250
        assert cache.get(entry(120).key).raw == "raw 120"


def _open_at_once(path: str, barrier) -> None:
    barrier.wait()
    with TeacherCache(path) as cache:
        cache.stats()


def test_processes_creating_the_same_cache_at_once_all_open_it(tmp_path):
    # Regression: switching a new file to WAL in two processes at once raised "database is locked"
    # in one of them (before the fix: in about 1 trial of 7, so 20 trials catch it nearly always).
    ctx = mp.get_context("fork")
    for trial in range(20):
        path = str(tmp_path / f"c{trial}.sqlite")
        barrier = ctx.Barrier(6)
        procs = [ctx.Process(target=_open_at_once, args=(path, barrier)) for _ in range(6)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0] * 6, f"trial {trial}"


def test_stats_clear_and_export(tmp_path):
    other = {**IDENT, "model": "m2"}
    with TeacherCache(tmp_path / "c.sqlite") as cache:
        for i in range(3):
            cache.put(entry(i))
        cache.put(entry(9, ident=other, teacher_id="t2"))
        stats = cache.stats()
        assert stats["entries"] == 4 and stats["prompt_tokens"] == 40 and stats["cost"] == pytest.approx(0.04)
        assert [(g["teacher_id"], g["model"], g["entries"]) for g in stats["teachers"]] == [("t1", "m", 3), ("t2", "m2", 1)]
        assert cache.export(tmp_path / "t1.jsonl", teacher_id="t1") == 3
        assert cache.export(tmp_path / "all.parquet") == 4
        assert cache.clear(model="m2") == 1 and cache.clear() == 3 and cache.stats()["entries"] == 0
    import datasets

    rows = datasets.Dataset.from_parquet(str(tmp_path / "all.parquet"))
    assert len(rows) == 4 and {"prompt", "raw", "rationale", "answer", "identity", "model", "created_at"} <= set(rows.column_names)
    assert datasets.Dataset.from_json(str(tmp_path / "t1.jsonl"))["raw"] == ["raw 0", "raw 1", "raw 2"]
    with pytest.raises(DataError, match="cannot tell the format"):
        TeacherCache(tmp_path / "c.sqlite").export(tmp_path / "x.csv")


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "c.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DataError, match="cannot open as SQLite"):
        TeacherCache(bad).stats()


def test_cache_cli(tmp_path):
    path = tmp_path / "run" / "teacher_cache.sqlite"
    with TeacherCache(path) as cache:
        for i in range(3):
            cache.put(entry(i))
    config = tmp_path / "p.yaml"
    config.write_text(f"name: demo\noutput_dir: {tmp_path / 'run'}\n")
    runner = CliRunner()
    out = runner.invoke(cli, ["cache", "stats", str(config)], obj={})
    assert out.exit_code == 0 and "3 answers" in out.output and "t1  openai_compat:m" in out.output
    out = runner.invoke(cli, ["cache", "export", str(path), str(tmp_path / "o.jsonl")], obj={})
    assert out.exit_code == 0 and (tmp_path / "o.jsonl").read_text().count("\n") == 3
    out = runner.invoke(cli, ["cache", "clear", str(path)], input="n\n", obj={})
    assert out.exit_code == 1 and TeacherCache(path).stats()["entries"] == 3
    out = runner.invoke(cli, ["cache", "clear", str(path), "--teacher-id", "t1", "--yes"], obj={})
    assert out.exit_code == 0 and "deleted 3 answers (teacher t1)" in out.output
    out = runner.invoke(cli, ["cache", "stats", str(tmp_path / "missing.sqlite")], obj={})
    assert out.exit_code == 2 and "no teacher cache at" in out.output
