"""The component registry, derived from hook results (the only registry there is)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

import pluggy

from distillkit.components import BASES, KINDS, Component, ComponentOptions
from distillkit.errors import DistillkitError, PluginError
from distillkit.plugin_manager import PluginInfo, describe, load_plugins
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

    def default(self, kind: str) -> str | None:
        """The name of the class a plugin declared its kind's default (``Component.default``), or None."""
        return next((n for n, e in self._entries[kind].items() if e.cls.default), None)

    def create(self, kind: str, name: str, **options) -> Component:
        cls = self.get(kind, name)
        return cls(cls.Options(**options))


def _how_to_disable(names: list[str], plugins: dict[str, PluginInfo]) -> str:
    """How to leave out one of ``names``: --plugin files are left out, entry points disabled."""
    local = [plugins[n].module for n in names if n in plugins and plugins[n].source == "--plugin"]
    if local:
        return f"leave out --plugin {local[-1]}."
    info = plugins.get(names[-1])
    return f"disable plugin {names[-1]!r} with DISTILLKIT_DISABLE_PLUGINS={info.key if info else names[-1]}."


def _plugin_label(name: str, plugins: dict[str, PluginInfo]) -> str:
    return f"plugin {name!r} ({describe(plugins.get(name))})"


def call_hook(impl: pluggy.HookImpl, plugins: dict[str, PluginInfo], **kwargs) -> None:
    """Call one plugin's hook; a failure inside it (an import, a bug) becomes a ``PluginError``
    naming the plugin and its distribution instead of a traceback from deep inside the plugin."""
    try:
        impl.function(**kwargs)
    except DistillkitError:
        raise
    except Exception as exc:
        name = impl.plugin_name
        hint = _how_to_disable([name], plugins)
        raise PluginError(f"{_plugin_label(name, plugins)} failed in its {impl.function.__name__} hook: "
                          f"{type(exc).__name__}: {exc}. Fix or update the plugin, or {hint}") from exc


def contract_problems(cls: type, base: type[Component]) -> list[str]:
    """What ``cls`` lacks to be a ``base`` component: a ``name``, an ``Options`` model, required methods."""
    problems = []
    if not cls.name:
        problems.append("has no `name` (its YAML type)")
    if not (isinstance(cls.Options, type) and issubclass(cls.Options, ComponentOptions)):
        problems.append("has an `Options` that is not a subclass of distillkit.components.ComponentOptions")
    for group in base.must_override:
        if not any(cls.overrides(m) for m in group):
            what = f"implements none of {', '.join(group)}" if len(group) > 1 else f"lacks {group[0]}"
            problems.append(f"{what} (required of every {base.__name__})")
    return problems


def _check_one_default(entries: dict[str, Entry], cls: type[Component], plugin: str,
                       plugins: dict[str, PluginInfo]) -> None:
    other = next((e for n, e in entries.items() if e.cls.default and e.cls is not cls), None)
    if other is not None:
        raise PluginError(
            f"two {cls.kind} classes declare themselves the default: {other.cls.name!r} of "
            f"{_plugin_label(other.plugin, plugins)} and {cls.name!r} of {_plugin_label(plugin, plugins)}. "
            f"Only one may set `default = True`; " + _how_to_disable([other.plugin, plugin], plugins)
        )


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _collect(pm: pluggy.PluginManager, plugins: dict[str, PluginInfo]) -> dict[str, dict[str, Entry]]:
    entries: dict[str, dict[str, Entry]] = {b.kind: {} for b in BASES}

    trace = pm.trace.root.get("registry")  # prints only when DISTILLKIT_TRACE_PLUGINS is set
    for base in BASES:
        for impl in getattr(pm.hook, base.hook).get_hookimpls():
            plugin = impl.plugin_name

            def register(cls: type, _base=base, _plugin=plugin) -> None:
                if not (isinstance(cls, type) and issubclass(cls, _base)):
                    raise PluginError(
                        f"{_plugin_label(_plugin, plugins)}: {_base.hook} registered {cls!r}, which is not a "
                        f"subclass of distillkit.components.{_base.__name__}"
                    )
                problems = contract_problems(cls, _base)
                if problems:
                    raise PluginError(
                        f"{_plugin_label(_plugin, plugins)}: {_base.kind} class "
                        f"{cls.__module__}.{cls.__qualname__} " + "; ".join(problems)
                        + ". See the base class docstring in distillkit.components."
                    )
                seen = entries[_base.kind].get(cls.name)
                if seen is not None and seen.cls is not cls:
                    raise PluginError(
                        f"{_base.kind} name {cls.name!r} is registered twice: by "
                        f"{_plugin_label(seen.plugin, plugins)} ({_qualified(seen.cls)}) and by "
                        f"{_plugin_label(_plugin, plugins)} ({_qualified(cls)}). "
                        "Rename one, or "
                        + _how_to_disable([seen.plugin, _plugin], plugins)
                    )
                if cls.default:
                    _check_one_default(entries[_base.kind], cls, _plugin, plugins)
                entries[_base.kind][cls.name] = Entry(cls, _plugin)
                trace(f"{_plugin}: {_base.hook} -> {_base.kind} {cls.name!r}")
                if _plugin in plugins:
                    plugins[_plugin].registers.setdefault(_base.kind, []).append(cls.name)

            call_hook(impl, plugins, register=register)
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


__all__ = ["KINDS", "Entry", "Registry", "UnknownComponent", "build_registry", "call_hook",
           "contract_problems"]
