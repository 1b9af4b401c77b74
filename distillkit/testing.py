"""Helpers for testing distillkit and its plugins.

``builtin_registry()`` builds a fresh registry from the built-in plugins only (installed
third-party plugins are never seen), plus any plugin modules a test passes in.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from distillkit.registry import Registry, build_registry

BUILTIN_PLUGINS = ("basic", "tasks", "metrics", "hf", "openai_compat", "training", "tinyllm", "elad")


def builtin_modules() -> list[ModuleType]:
    return [importlib.import_module(f"distillkit_plugins.{name}") for name in BUILTIN_PLUGINS]


def builtin_registry(*extra: ModuleType) -> Registry:
    return build_registry(entry_points=False, modules=[*builtin_modules(), *extra])


def pyproject_entry_points(root: Path) -> dict[str, str]:
    import tomllib  # Python >= 3.11; only the meta-tests call this

    data = tomllib.loads((root / "pyproject.toml").read_text())
    return dict(data["project"]["entry-points"]["distillkit"])
