"""Files every run writes beside its outputs: the resolved config and the plugin versions."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

import yaml

from distillkit import __version__
from distillkit.config.pipeline import ResolvedPipeline
from distillkit.registry import Registry
from distillkit.secrets import redact, redact_obj


def write_json(path: Path, data: Any) -> None:
    """Written whole or not at all (temp file, then rename): a killed run never leaves half a file."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(redact(json.dumps(redact_obj(data), indent=2, default=str)) + "\n", encoding="utf-8")
    tmp.replace(path)


FAILURES = "failures.jsonl"  # per round folder: why each item that is not ok is not ok


def write_failures(path: Path, teacher_id: str, annotations: list[Any]) -> None:
    """Record every annotation that is not ok (failed, parse_error, filtered) with its reason.

    One JSON line each: teacher_id, example_id, status, reason, finish_reason, cached. A rerun
    of the round replaces this teacher's lines, so the file always describes the latest pass.
    """
    kept = []
    if path.exists():
        kept = [line for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and json.loads(line).get("teacher_id") != teacher_id]
    rows = [json.dumps(redact_obj({"teacher_id": teacher_id, "example_id": a.example_id, "status": a.status,
                                   "reason": a.reason, "finish_reason": a.finish_reason, "cached": a.cached}))
            for a in annotations if a is not None and a.status != "ok"]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(line + "\n" for line in kept + rows), encoding="utf-8")
    tmp.replace(path)


def plugin_versions(registry: Registry) -> dict[str, Any]:
    return {
        "distillkit": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "plugins": {
            name: {"distribution": i.distribution, "version": i.version, "module": i.module, "source": i.source}
            for name, i in sorted(registry.plugins.items())
        },
    }


def write_run_header(run_dir: Path, pipeline: ResolvedPipeline, registry: Registry, config_path: str | None) -> None:
    """Resolved config (every default filled in) and plugin versions; safe to share (no secrets)."""
    resolved = redact_obj(pipeline.resolved_config())  # e.g. a base_url with user:key@
    header = redact(f"# resolved from {config_path or '<python>'} by distillkit {__version__}\n")
    (run_dir / "config.resolved.yaml").write_text(header + yaml.safe_dump(resolved, sort_keys=False), encoding="utf-8")
    write_json(run_dir / "versions.json", plugin_versions(registry))
