"""One call from a YAML path (+ overrides) to a validated pipeline."""

from __future__ import annotations

from pathlib import Path

from distillkit.config.overrides import apply_overrides
from distillkit.config.pipeline import ResolvedPipeline
from distillkit.config.validate import validate_pipeline
from distillkit.config.yaml_source import parse_yaml, read_yaml
from distillkit.registry import Registry


def load_pipeline(
    path: str | Path | None, registry: Registry, overrides: list[str] = (), *, text: str | None = None
) -> ResolvedPipeline:
    """Read, override and validate a pipeline; raises ``ConfigError`` listing every problem."""
    source = str(path) if path is not None else "<string>"
    data, positions = parse_yaml(text, source) if text is not None else read_yaml(path)
    origins: dict[tuple, str] = {}
    if overrides:
        data = apply_overrides(data, list(overrides), source, origins)
    return validate_pipeline(data, positions, registry, source, origins)
