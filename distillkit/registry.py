"""The component registry, derived from hook results (the only registry there is)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

import pluggy

from distillkit.components import BASES, KINDS, Component
from distillkit.errors import PluginError
from distillkit.plugin_manager import PluginInfo, load_plugins
from distillkit.suggest import unknown_name_hint


@dataclass(frozen=True)
class Entry:
    cls: type[Component]
    plugin: str


class UnknownComponent(LookupError):
    def __init__(self, kind: str, name: str, hint: str):
        self.kind, self.name, self.hint = kind, name, hint
        super().__init__(f"unknown {kind} type {name!r}; {hint}")

    def __str__(self) -> str:  # LookupError subclasses must not quote like KeyError
        return self.args[0]


class Registry:
    def __init__(self, entries: dict[str, dict[str, Entry]], plugins: dict[str, PluginInfo], pm=None):
        self._entries = entries
        self.plugins = plugins
        self.pm = pm

    def names(self, kind: str) -> list[str]:
        return sorted(self._entries[kind])

    def get(self, kind: str, name: str) -> type[Component]:
        try:
            return self._entries[kind][name].cls
        except KeyError:
            raise UnknownComponent(kind, name, unknown_name_hint(name, self._entries.get(kind, {}))) from None

    def entry(self, kind: str, name: str) -> Entry:
        self.get(kind, name)
        return self._entries[kind][name]

    def entries(self, kind: str | None = None) -> list[tuple[str, str, Entry]]:
        kinds = [kind] if kind else list(self._entries)
        return [(k, n, self._entries[k][n]) for k in kinds for n in sorted(self._entries[k])]

    def create(self, kind: str, name: str, **options) -> Component:
        cls = self.get(kind, name)
        return cls(cls.Options(**options))


def _how_to_disable(names: list[str], plugins: dict[str, PluginInfo]) -> str:
    """How to leave out one of ``names``: --plugin files are left out, entry points disabled."""
    local = [plugins[n].module for n in names if n in plugins and plugins[n].source == "--plugin"]
    if local:
        return f"leave out --plugin {local[-1]}."
    return f"disable plugin {names[-1]!r} with DISTILLKIT_DISABLE_PLUGINS={names[-1]}."


def _collect(pm: pluggy.PluginManager, plugins: dict[str, PluginInfo]) -> dict[str, dict[str, Entry]]:
    entries: dict[str, dict[str, Entry]] = {b.kind: {} for b in BASES}
    trace = pm.trace.root.get("registry")  # prints only when DISTILLKIT_TRACE_PLUGINS is set
    for base in BASES:
        for impl in getattr(pm.hook, base.hook).get_hookimpls():
            plugin = impl.plugin_name

            def register(cls: type, _base=base, _plugin=plugin) -> None:
                if not (isinstance(cls, type) and issubclass(cls, _base)):
                    raise PluginError(
                        f"plugin {_plugin!r}: {_base.hook} registered {cls!r}, which is not a subclass "
                        f"of distillkit.components.{_base.__name__}"
                    )
                if not cls.name:
                    raise PluginError(f"plugin {_plugin!r}: {cls.__qualname__} has no `name` (its YAML type)")
                seen = entries[_base.kind].get(cls.name)
                if seen is not None and seen.cls is not cls:
                    raise PluginError(
                        f"{_base.kind} name {cls.name!r} is registered twice: by plugin {seen.plugin!r} "
                        f"({seen.cls.__module__}.{seen.cls.__qualname__}) and by plugin {_plugin!r} "
                        f"({cls.__module__}.{cls.__qualname__}). Rename one, or "
                        + _how_to_disable([seen.plugin, _plugin], plugins)
                    )
                entries[_base.kind][cls.name] = Entry(cls, _plugin)
                trace(f"{_plugin}: {_base.hook} -> {_base.kind} {cls.name!r}")
                if _plugin in plugins:
                    plugins[_plugin].registers.setdefault(_base.kind, []).append(cls.name)

            impl.function(register=register)
    return entries


def build_registry(
    extra: Iterable[str] = (),
    *,
    entry_points: bool = True,
    modules: Iterable[ModuleType] = (),
) -> Registry:
    """Load plugins (see ``load_plugins``) and collect every registered component class."""
    pm, plugins = load_plugins(extra, entry_points=entry_points, modules=modules)
    return Registry(_collect(pm, plugins), plugins, pm)


__all__ = ["KINDS", "Entry", "Registry", "UnknownComponent", "build_registry"]
