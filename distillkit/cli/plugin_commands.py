"""Plugins adding CLI commands: each plugin's ``register_commands`` is called on its own so that
the commands it adds are recorded (``distillkit plugins`` lists them) and so that a plugin can
never silently replace a command distillkit or another plugin already defines."""

from __future__ import annotations

import click

from distillkit.errors import PluginError
from distillkit.plugin_manager import describe
from distillkit.registry import Registry, call_hook


def plugin_specs(argv: list[str]) -> tuple[str, ...]:
    """The ``--plugin`` values anywhere on the command line, so their commands exist before parsing."""
    specs: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--plugin" and i + 1 < len(argv):
            specs.append(argv[i + 1])
        elif arg.startswith("--plugin="):
            specs.append(arg.split("=", 1)[1])
    return tuple(specs)


def add_plugin_commands(cli: click.Group, registry: Registry) -> None:
    """Let every plugin add its commands to ``cli``; a name already taken is a ``PluginError``."""
    owner = {name: "distillkit" for name in cli.commands}
    for impl in registry.pm.hook.register_commands.get_hookimpls():
        before = dict(cli.commands)
        info = registry.plugins.get(impl.plugin_name)
        call_hook(impl, registry.plugins, cli=cli)
        for name, command in cli.commands.items():
            if before.get(name) is command:
                continue
            if name in before:
                cli.commands[name] = before[name]
                raise PluginError(
                    f"plugin {impl.plugin_name!r} ({describe(info)}) adds the command {name!r}, which "
                    f"{_by(owner[name], registry)} already defines; a plugin may not replace a command. "
                    f"Rename the plugin's command."
                )
            owner[name] = impl.plugin_name
            if info is not None:
                info.commands.append(name)


def _by(owner: str, registry: Registry) -> str:
    if owner == "distillkit":
        return "distillkit itself"
    return f"plugin {owner!r} ({describe(registry.plugins.get(owner))})"
