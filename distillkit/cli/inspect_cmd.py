"""``distillkit plugins``, ``components``, ``show`` and ``schema``: what is installed, how to configure it."""

from __future__ import annotations

import json

import click

from distillkit.cli.errors import handle_errors
from distillkit.cli.options import plugin_option, registry_for
from distillkit.components import KINDS
from distillkit.errors import DistillkitError
from distillkit.registry import UnknownComponent
from distillkit.suggest import unknown_name_hint


class _UsageError(DistillkitError):
    exit_code = 2


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@plugin_option
@handle_errors
def plugins(as_json: bool, plugins: tuple[str, ...]) -> None:
    """List loaded plugins: name, distribution, version, what each registers, commands they add."""
    registry = registry_for(plugins)
    rows = [
        {"name": i.name, "module": i.module, "distribution": i.distribution, "version": i.version,
         "source": i.source, "registers": {k: sorted(v) for k, v in sorted(i.registers.items())},
         "commands": sorted(i.commands)}
        for i in sorted(registry.plugins.values(), key=lambda i: i.name)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        dist = f"{row['distribution']} {row['version']}" if row["distribution"] else row["source"]
        click.echo(f"{row['name']}  ({dist})")
        for kind, names in row["registers"].items():
            click.echo(f"    {kind}: {', '.join(names)}")
        if row["commands"]:
            click.echo(f"    commands: {', '.join(row['commands'])}")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise _UsageError(f"unknown component kind {kind!r}; {unknown_name_hint(kind, KINDS)}")


@click.command()
@click.argument("kind", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@plugin_option
@handle_errors
def components(kind: str | None, as_json: bool, plugins: tuple[str, ...]) -> None:
    """List components (optionally of one KIND: teacher, strategy, loss, ...)."""
    if kind:
        _check_kind(kind)
    registry = registry_for(plugins)
    rows = [{"kind": k, "name": n, "plugin": e.plugin, "summary": e.cls.summary()} for k, n, e in registry.entries(kind)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    current = None
    for row in rows:
        if row["kind"] != current:
            current = row["kind"]
            click.echo(f"{current}:")
        click.echo(f"  {row['name']:<28} {row['summary']}  [{row['plugin']}]")
    click.echo("\nShow one component's options: distillkit show KIND NAME")


@click.command()
@click.argument("kind")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the options' JSON Schema.")
@plugin_option
@handle_errors
def show(kind: str, name: str, as_json: bool, plugins: tuple[str, ...]) -> None:
    """Show the options of one component, with descriptions and defaults."""
    _check_kind(kind)
    registry = registry_for(plugins)
    try:
        cls = registry.get(kind, name)
    except UnknownComponent as exc:
        raise _UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(cls.Options.model_json_schema(), indent=2))
        return
    click.echo(f"{kind} {name}: {cls.summary()}  [{registry.entry(kind, name).plugin}]")
    for fname, field in cls.Options.model_fields.items():
        default = "required" if field.is_required() else f"default {field.get_default(call_default_factory=True)!r}"
        click.echo(f"  {fname} ({default})\n      {field.description or ''}")


@click.command()
@plugin_option
@handle_errors
def schema(plugins: tuple[str, ...]) -> None:
    """Print the JSON Schema of pipeline files, built from the installed plugins (for editors)."""
    from distillkit.config.json_schema import pipeline_json_schema

    click.echo(json.dumps(pipeline_json_schema(registry_for(plugins)), indent=2))


def add_to(cli: click.Group) -> None:
    for command in (plugins, components, show, schema):
        cli.add_command(command)
