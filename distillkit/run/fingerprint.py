"""What defines a run beyond its config: the local files and folders its components read.

Every option of a component (task, teachers, strategies, student, ...) that names an existing
local path is fingerprinted: per file its size, mtime and, up to ``HASH_MAX_BYTES``, the sha256
of its content (the hash decides when present, so a ``touch`` is not a change). Hub ids and
model revisions are part of the config itself, which the resume check already compares.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

HASH_MAX_BYTES = 64 * 1024 * 1024  # larger files (model weights) are compared by size and mtime
MAX_FILES = 2_000  # per folder
_SKIP_KEYS = ("cache_dir", "output_dir", "cache")  # folders the run itself writes into
_SECTIONS = ("task", "teachers", "filters", "selector", "student", "loss", "trainer", "metrics", "callbacks")


def _file(path: Path) -> dict[str, Any]:
    st = path.stat()
    out: dict[str, Any] = {"size": st.st_size, "mtime": st.st_mtime_ns}
    if st.st_size <= HASH_MAX_BYTES:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        out["sha256"] = digest.hexdigest()
    return out


def _entry(path: Path) -> dict[str, Any]:
    if path.is_file():
        return {"file": _file(path)}
    files = sorted(f for f in path.rglob("*") if f.is_file())[:MAX_FILES]
    return {"folder": {str(f.relative_to(path)): _file(f) for f in files}}


def _paths(data: Any, key: str = "") -> list[str]:
    if isinstance(data, dict):
        return [p for k, v in data.items() if not str(k).endswith(_SKIP_KEYS) for p in _paths(v, str(k))]
    if isinstance(data, list):
        return [p for v in data for p in _paths(v, key)]
    if isinstance(data, str) and 0 < len(data) < 4096 and "\n" not in data and data.strip(".") and _exists(data):
        return [data]
    return []


def _exists(text: str) -> bool:
    try:
        return Path(text).expanduser().exists()
    except (OSError, ValueError):  # e.g. a name too long for the file system
        return False


def fingerprint(resolved_config: dict[str, Any]) -> dict[str, Any]:
    """Local path named by an option -> its fingerprint (``{"file": ...}`` or ``{"folder": ...}``)."""
    named = sorted({p for section in _SECTIONS for p in _paths(resolved_config.get(section))})
    return {p: _entry(Path(p).expanduser()) for p in named}


def _file_change(before: dict[str, Any], now: dict[str, Any]) -> str | None:
    if "sha256" in before and "sha256" in now:
        if before["sha256"] == now["sha256"]:
            return None
        size = f"size {before['size']} -> {now['size']} bytes, " if before["size"] != now["size"] else ""
        return f"{size}content differs (sha256 {before['sha256'][:12]} -> {now['sha256'][:12]})"
    if before["size"] != now["size"]:
        return f"size {before['size']} -> {now['size']} bytes"
    if before["mtime"] != now["mtime"]:
        return "modified since (same size; too large to hash)"
    return None


def changes(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What changed between two fingerprints, one line per path (paths only in ``now`` are new options,
    which the config comparison reports)."""
    out = []
    for path, old in before.items():
        new = now.get(path)
        if new is None:
            out.append(f"{path}: no longer exists" if not _exists(path) else f"{path}: no longer named by the config")
        elif "file" in old and "file" in new:
            what = _file_change(old["file"], new["file"])
            if what:
                out.append(f"{path}: {what}")
        elif "folder" in old and "folder" in new:
            a, b = old["folder"], new["folder"]
            diffs = [f"{name} added" for name in sorted(set(b) - set(a))] + \
                    [f"{name} removed" for name in sorted(set(a) - set(b))] + \
                    [f"{name} ({w})" for name in sorted(set(a) & set(b)) if (w := _file_change(a[name], b[name]))]
            if diffs:
                out.append(f"{path}/: " + "; ".join(diffs[:5]) + (" ..." if len(diffs) > 5 else ""))
        else:
            out.append(f"{path}: was a {next(iter(old))}, is now a {next(iter(new))}")
    return out
