"""Helpers for testing distillkit and its plugins.

``builtin_registry()`` builds a fresh registry from the built-in plugins only (installed
third-party plugins are never seen), plus any plugin modules a test passes in. The built-ins are
the ``distillkit`` entry points of the ``distillkit`` distribution itself: there is no second list.
"""

from __future__ import annotations

import importlib.metadata as md
import sys
from pathlib import Path
from types import ModuleType

from distillkit.plugin_manager import ENTRY_POINT_GROUP
from distillkit.registry import Registry, build_registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as the tomli backport (a test dependency there)
    import tomli as tomllib


def _builtin_entry_points() -> list[md.EntryPoint]:
    own = md.distribution("distillkit").entry_points.select(group=ENTRY_POINT_GROUP)
    return sorted(own, key=lambda ep: ep.name)


BUILTIN_PLUGINS: tuple[str, ...] = tuple(ep.name for ep in _builtin_entry_points())


def builtin_modules() -> list[ModuleType]:
    return [ep.load() for ep in _builtin_entry_points()]


def builtin_registry(*extra: ModuleType) -> Registry:
    return build_registry(entry_points=False, modules=[*builtin_modules(), *extra])


def pyproject_entry_points(root: Path) -> dict[str, str]:
    data = tomllib.loads((root / "pyproject.toml").read_text())
    return dict(data["project"]["entry-points"]["distillkit"])
