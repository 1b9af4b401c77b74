"""Refuse to resume a run folder with a different config: mixed results would be silently wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from distillkit.config.pipeline import ResolvedPipeline
from distillkit.errors import DistillkitError
from distillkit.run.fingerprint import changes, fingerprint
from distillkit.run.outputs import write_json
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
    """Refuse to resume ``run_dir`` when its config or its input files changed; then record the inputs.

    The fingerprint of the inputs (``inputs.json``) is written on every start, so the next
    rerun compares against what this one read.
    """
    saved = run_dir / "config.resolved.yaml"
    resolved = redact_obj(p.resolved_config())  # the saved copy is redacted
    now = fingerprint(resolved)
    if saved.exists() and (run_dir / "state.json").exists():
        before = yaml.safe_load(saved.read_text(encoding="utf-8"))
        changed = _diff(before, resolved)
        if changed:
            raise RunFolderInUse(
                f"{run_dir} holds a run with a different config (changed: {', '.join(changed[:8])}"
                f"{' ...' if len(changed) > 8 else ''}). {_WAYS_OUT.format(run_dir=run_dir)}"
            )
        recorded = run_dir / INPUTS
        if recorded.exists():  # runs from before input fingerprints have none to compare
            moved = changes(json.loads(recorded.read_text(encoding="utf-8")), now)
            if moved:
                raise RunFolderInUse(
                    f"{run_dir} holds a run made from different input files; its results came from the old "
                    f"ones. Changed since: {'; '.join(moved[:5])}{' ...' if len(moved) > 5 else ''}. "
                    f"{_WAYS_OUT.format(run_dir=run_dir)}"
                )
    write_json(run_dir / INPUTS, now)


INPUTS = "inputs.json"
_WAYS_OUT = ("Resuming would mix results. Use a new output_dir (-o output_dir=runs/NEW), or delete {run_dir} "
             "to start over (the teacher cache can be kept with -o cache.path=...).")
