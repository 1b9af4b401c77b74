"""Loading plugins: entry points of the ``distillkit`` group, ``--plugin`` modules, env-var controls.

Environment variables (comma-separated entry-point names):
- ``DISTILLKIT_PLUGINS``: allow-list; when set, only these entry points load.
- ``DISTILLKIT_DISABLE_PLUGINS``: block-list.
- ``DISTILLKIT_TRACE_PLUGINS=1``: print every hook call to stderr.
Loading is strict: an import failure, an unknown hook (misspelled ``register_*``) or a hook with
wrong arguments is a ``PluginError`` that says which plugin and how to disable it.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import importlib.util
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pluggy

from distillkit import hookspecs
from distillkit.errors import PluginError
from distillkit.suggest import did_you_mean

ENTRY_POINT_GROUP = "distillkit"
ENV_ALLOW = "DISTILLKIT_PLUGINS"
ENV_BLOCK = "DISTILLKIT_DISABLE_PLUGINS"
ENV_TRACE = "DISTILLKIT_TRACE_PLUGINS"


@dataclass
class PluginInfo:
    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    source: str = "entry point"  # or "--plugin"
    registers: dict[str, list[str]] = field(default_factory=dict)  # kind -> component names


def _names(value: str | None) -> set[str]:
    return {v.strip() for v in (value or "").split(",") if v.strip()}


def _import_plugin(spec: str) -> ModuleType:
    path = Path(spec)
    if spec.endswith(".py") or path.exists():
        if not path.exists():
            raise PluginError(f"--plugin {spec}: no such file")
        file = path / "__init__.py" if path.is_dir() else path
        mod_name = f"distillkit_local_plugin_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(mod_name, file)
        if module_spec is None or module_spec.loader is None:
            raise PluginError(f"--plugin {spec}: cannot import this file as a Python module")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[mod_name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[mod_name]
            raise PluginError(f"--plugin {spec} failed to import: {type(exc).__name__}: {exc}. "
                              f"Fix that module, or leave out --plugin {spec}.") from exc
        return module
    try:
        return importlib.import_module(spec)
    except Exception as exc:
        raise PluginError(
            f"--plugin {spec} failed to import: {type(exc).__name__}: {exc}. Check the module name "
            f"(it must be importable from the current Python path) or pass a .py file path."
        ) from exc


def _register(pm: pluggy.PluginManager, module: ModuleType, name: str, where: str) -> None:
    if pm.is_registered(module):
        return
    try:
        pm.register(module, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {name!r} ({where}) has an invalid hook: {exc}") from exc
    except ValueError as exc:  # duplicate plugin name
        raise PluginError(f"two plugins are named {name!r}: {exc}") from exc


def _check_pending(pm: pluggy.PluginManager, infos: Mapping[str, PluginInfo]) -> None:
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin_name = pm.get_name(exc.plugin) or "?"
        info = infos.get(plugin_name)
        known = [n for n in dir(hookspecs) if n.startswith("register_")]
        bad = [n for n in dir(exc.plugin) if n.startswith("register_") and n not in known]
        hint = "; ".join(filter(None, (did_you_mean(b, known) for b in bad))) or ""
        raise PluginError(
            f"plugin {plugin_name!r} ({_where(info)}) implements a hook distillkit does not define: "
            f"{', '.join(bad) or exc}. {hint} Known hooks: {', '.join(known)}."
            + _disable_hint(plugin_name, info)
        ) from exc


def _where(info: PluginInfo | None) -> str:
    if info is None:
        return "unknown source"
    if info.distribution:
        return f"distribution {info.distribution} {info.version or ''}".strip()
    return f"{info.source} {info.module}"


def _disable_hint(name: str, info: PluginInfo | None) -> str:
    if info is not None and info.source == "entry point":
        return f" Disable it with {ENV_BLOCK}={name} or uninstall {info.distribution}."
    return " Fix the hook name, or leave out that --plugin."


def load_plugins(
    extra: Iterable[str] = (),
    *,
    entry_points: bool = True,
    modules: Iterable[ModuleType] = (),
    env: Mapping[str, str] | None = None,
) -> tuple[pluggy.PluginManager, dict[str, PluginInfo]]:
    """Build a plugin manager.

    ``extra``: ``--plugin`` values (module names or .py paths). ``modules``: already-imported
    plugin modules (tests use this for a manager with only the built-ins, or only their fakes).
    """
    env = os.environ if env is None else env
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if env.get(ENV_TRACE, "") not in ("", "0"):
        pm.trace.root.setwriter(lambda msg: sys.stderr.write(f"[distillkit plugins] {msg}"))
        pm.enable_tracing()
    infos: dict[str, PluginInfo] = {}
    if entry_points:
        allow, block = _names(env.get(ENV_ALLOW)), _names(env.get(ENV_BLOCK))
        for ep in md.entry_points(group=ENTRY_POINT_GROUP):
            if (allow and ep.name not in allow) or ep.name in block or ep.name in infos:
                continue
            dist = ep.dist
            info = PluginInfo(ep.name, ep.value, dist.name if dist else None, dist.version if dist else None)
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {ep.name!r} from {_where(info)} failed to import ({ep.value}): "
                    f"{type(exc).__name__}: {exc}." + _disable_hint(ep.name, info)
                ) from exc
            infos[ep.name] = info
            _register(pm, module, ep.name, _where(info))
    for module in modules:
        name = module.__name__.rsplit(".", 1)[-1] if module.__name__.startswith("distillkit_plugins.") else module.__name__
        infos[name] = PluginInfo(name, module.__name__, source="module")
        _register(pm, module, name, module.__name__)
    for spec in extra:
        module = _import_plugin(spec)
        name = module.__name__
        infos[name] = PluginInfo(name, spec, source="--plugin")
        _register(pm, module, name, f"--plugin {spec}")
    _check_pending(pm, infos)
    return pm, infos
