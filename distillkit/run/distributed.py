"""Under ``accelerate launch`` every process runs the pipeline; only the main one asks teachers
and writes run files. The others wait for a marker file, then read the teacher cache."""

from __future__ import annotations

import os
import time
from pathlib import Path


def is_main_process() -> bool:
    return os.environ.get("RANK", "0") == "0"


def wait_for(marker: Path, timeout_s: float = 24 * 3600) -> None:
    deadline = time.monotonic() + timeout_s
    while not marker.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s:.0f} s for the main process to write {marker}")
        time.sleep(1.0)
