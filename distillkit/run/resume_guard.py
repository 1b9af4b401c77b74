"""Refuse to resume a run folder with a different config: mixed results would be silently wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from distillkit.config.pipeline import ResolvedPipeline
from distillkit.errors import DistillkitError
from distillkit.secrets import redact_obj


class RunFolderInUse(DistillkitError):
    exit_code = 2


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            out += _diff(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [path or "<root>"]


def check_same_run(run_dir: Path, p: ResolvedPipeline) -> None:
    saved = run_dir / "config.resolved.yaml"
    if not (saved.exists() and (run_dir / "state.json").exists()):
        return
    before = yaml.safe_load(saved.read_text(encoding="utf-8"))
    changed = _diff(before, redact_obj(p.resolved_config()))  # the saved copy is redacted
    if changed:
        raise RunFolderInUse(
            f"{run_dir} holds a run with a different config (changed: {', '.join(changed[:8])}"
            f"{' ...' if len(changed) > 8 else ''}). Resuming would mix results. Use a new output_dir "
            f"(-o output_dir=runs/NEW), or delete {run_dir} to start over (the teacher cache can be kept "
            f"with -o cache.path=...)."
        )
