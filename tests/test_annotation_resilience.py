"""Small versions of the acceptance runs: random faults, kill -9 and resume, two annotating processes.

The full-size runs with measured numbers are bench/annotation_faults.py and bench/annotation_kill.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from distillkit.annotation import TeacherCache
from distillkit.testing.server import FakeOpenAIServer, FaultPlan
from distillkit.testing.toy_run import annotate_toy


def test_random_faults_end_answered_or_failed_and_rerun_completes(registry, tmp_path):
    # the client timeout is well above a normal answer's time even on a loaded machine, and the
    # server's "timeout" fault stalls well past it
    plan = FaultPlan(rate=0.2, seed=3, hang_s=3.0, slow_s=0.1, retry_after_s=0.01)
    n = 300
    with FakeOpenAIServer(faults=plan) as server, TeacherCache(tmp_path / "c.sqlite") as cache:
        first = annotate_toy(server.url, cache, n, concurrency=16, max_retries=0, timeout_s=1.5, registry=registry)
        statuses = [a.status for a in first.annotations]
        assert set(statuses) <= {"ok", "failed"} and statuses.count("failed") > 0
        assert all(a.reason for a in first.annotations if a.status == "failed")
        assert sum(first.stats.failures_by_reason.values()) == statuses.count("failed")
        second = annotate_toy(server.url, cache, n, concurrency=16, max_retries=8, timeout_s=1.5, registry=registry)
        assert all(a.ok for a in second.annotations)
        assert second.stats.calls == statuses.count("failed") and second.stats.cache_hits == statuses.count("ok")
    assert len(server.stats.answered) == n
    # an answer is paid twice only when the client had stopped waiting for the first (a timeout)
    timed_out = sum(c for reason, c in first.stats.failures_by_reason.items() if "time" in reason.lower())
    assert sum(v - 1 for v in server.stats.answered.values()) <= timed_out
    assert set(server.stats.faults) >= {"timeout", "429", "500", "malformed", "drop"}


def _worker(url: str, cache: str, n: int, concurrency: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "distillkit.testing.toy_run", url, cache, str(n), "--concurrency", str(concurrency)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_then_resume_never_pays_twice(tmp_path):
    n, concurrency = 120, 4
    cache = str(tmp_path / "c.sqlite")
    with FakeOpenAIServer(latency_s=0.03) as server:
        proc = _worker(server.url, cache, n, concurrency)
        deadline = time.monotonic() + 60
        while sum(server.stats.answered.values()) < n // 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        killed_at = sum(server.stats.answered.values())
        assert 0 < killed_at < n
        final = _worker(server.url, cache, n, concurrency)
        out, err = final.communicate(timeout=120)
        assert final.returncode == 0, err
        stats = json.loads(out.strip().splitlines()[-1])
        paid = sum(server.stats.answered.values())
    assert stats["ok"] == n and stats["cache_hits"] + stats["calls"] == n
    assert len(server.stats.answered) == n
    assert paid <= n + concurrency  # only answers in flight at the kill may be paid twice


def test_two_processes_annotating_one_cache(tmp_path):
    cache = str(tmp_path / "c.sqlite")
    with FakeOpenAIServer(latency_s=0.01) as server:
        procs = [_worker(server.url, cache, 60, 4) for _ in range(2)]
        results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert all(json.loads(out.strip().splitlines()[-1])["ok"] == 60 for out, _ in results)
    with TeacherCache(cache) as store:
        assert store.stats()["entries"] == 60
