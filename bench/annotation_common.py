"""Shared by the annotation benches: the fake server in its own process (so its threads do not
compete with the annotator for the GIL), and reading its counters."""

from __future__ import annotations

import subprocess
import sys

import httpx


def start_server(*args: str) -> tuple[subprocess.Popen, str]:
    """Start ``python -m distillkit.testing.server ARGS`` on 127.0.0.1; returns (process, base URL)."""
    proc = subprocess.Popen([sys.executable, "-m", "distillkit.testing.server", "--port", "0", *args],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise SystemExit(f"fake server did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def server_stats(url: str) -> dict:
    return httpx.get(f"{url}/stats", timeout=10).json()
