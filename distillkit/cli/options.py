"""Options several commands share, and the registry they build from them."""

from __future__ import annotations

import click

from distillkit.registry import Registry, build_registry

plugin_option = click.option(
    "--plugin", "plugins", multiple=True, metavar="MODULE_OR_FILE",
    help="Load a local plugin module or .py file (repeatable), like pytest -p.",
)
override_option = click.option(
    "-o", "--override", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a config value, e.g. -o trainer.max_steps=20 (repeatable).",
)


def registry_for(plugins: tuple[str, ...]) -> Registry:
    ctx = click.get_current_context()
    root = ctx.find_root().obj or {}
    if root.get("registry") is not None and set(plugins) <= set(root.get("plugins", ())):
        return root["registry"]  # main() loaded every --plugin of the command line already
    return build_registry(plugins)
