"""Loading plugins: entry points of the ``distillkit`` group, ``--plugin`` modules, env-var controls.

Environment variables (comma-separated entry-point names, or ``distribution:name`` to pick one
distribution's entry point):
- ``DISTILLKIT_PLUGINS``: allow-list; when set, only these entry points load.
- ``DISTILLKIT_DISABLE_PLUGINS``: block-list.
- ``DISTILLKIT_TRACE_PLUGINS=1``: print every hook call to stderr.
Loading is strict: an import failure, an unknown hook (misspelled ``register_*``), a hook with
wrong arguments, or two distributions declaring the same entry-point name is a ``PluginError``
that says which plugin (and distribution) and how to disable it.
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
    source: str = "entry point"  # or "--plugin", "module"
    registers: dict[str, list[str]] = field(default_factory=dict)  # kind -> component names
    commands: list[str] = field(default_factory=list)  # CLI commands added by register_commands

    @property
    def key(self) -> str:
        """``distribution:entry point`` for installed plugins (what identifies them), else the name."""
        return f"{self.distribution}:{self.name}" if self.distribution else self.name


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


def describe(info: PluginInfo | None) -> str:
    """Where a plugin comes from, for error messages: its distribution, or its module or file."""
    return _where(info)


def _where(info: PluginInfo | None) -> str:
    if info is None:
        return "unknown source"
    if info.distribution:
        return f"distribution {info.distribution} {info.version or ''}".strip()
    return f"{info.source} {info.module}"


def _disable_hint(name: str, info: PluginInfo | None) -> str:
    if info is not None and info.source == "entry point":
        return f" Disable it with {ENV_BLOCK}={info.key} or uninstall {info.distribution}."
    return " Fix the hook name, or leave out that --plugin."


def _dist_name(ep: md.EntryPoint) -> str | None:
    return ep.dist.name if ep.dist is not None else None


def _selected(ep: md.EntryPoint, names: set[str]) -> bool:
    return ep.name in names or f"{_dist_name(ep)}:{ep.name}" in names


def _installed_entry_points(env: Mapping[str, str]) -> list[md.EntryPoint]:
    """The group's entry points after the allow/block lists; the same name from two distributions is
    an error (silently keeping one would drop the other's components, e.g. the built-in metrics)."""
    allow, block = _names(env.get(ENV_ALLOW)), _names(env.get(ENV_BLOCK))
    chosen: dict[str, md.EntryPoint] = {}
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        if (allow and not _selected(ep, allow)) or _selected(ep, block):
            continue
        first = chosen.get(ep.name)
        if first is None:
            chosen[ep.name] = ep
            continue
        if (_dist_name(first), first.value) == (_dist_name(ep), ep.value):
            continue  # the same distribution seen twice on sys.path
        a, b = f"{_dist_name(first)}:{ep.name}", f"{_dist_name(ep)}:{ep.name}"
        raise PluginError(
            f"two installed distributions declare the distillkit plugin {ep.name!r}: {_dist_name(first)} "
            f"({first.value}) and {_dist_name(ep)} ({ep.value}). Rename the entry point in one of them, "
            f"uninstall one, or disable one with {ENV_BLOCK}={a} or {ENV_BLOCK}={b}."
        )
    return list(chosen.values())


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
        for ep in _installed_entry_points(env):
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
    declared = {ep.value: ep for ep in md.entry_points(group=ENTRY_POINT_GROUP)}
    for module in modules:
        ep = declared.get(module.__name__)  # an installed plugin's module keeps its entry-point identity
        if ep is not None:
            info = PluginInfo(ep.name, ep.value, _dist_name(ep), ep.dist.version if ep.dist else None,
                              source="module")
        else:
            info = PluginInfo(module.__name__, module.__name__, source="module")
        infos[info.name] = info
        _register(pm, module, info.name, module.__name__)
    for spec in extra:
        module = _import_plugin(spec)
        name = module.__name__
        infos[name] = PluginInfo(name, spec, source="--plugin")
        _register(pm, module, name, f"--plugin {spec}")
    _check_pending(pm, infos)
    return pm, infos
