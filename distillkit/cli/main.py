"""Entry point of the ``distillkit`` command. Importing this module must not import torch."""

from __future__ import annotations

import sys

import click

from distillkit import __version__
from distillkit.cli import cache_cmd, inspect_cmd, run_cmd
from distillkit.errors import DistillkitError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="distillkit")
@click.option("--traceback", is_flag=True, help="Show Python tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """distillkit: distil reasoning from teacher LLMs into a small student."""
    ctx.ensure_object(dict)
    ctx.obj["traceback"] = traceback


for module in (run_cmd, inspect_cmd, cache_cmd):
    module.add_to(cli)


def _with_plugin_commands():
    """Load installed plugins once, let them add commands, and share the registry with commands."""
    from distillkit.registry import build_registry

    registry = build_registry()
    registry.pm.hook.register_commands(cli=cli)
    return registry


def main(argv: list[str] | None = None) -> None:
    try:
        registry = _with_plugin_commands()
    except DistillkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    cli.main(args=argv, obj={"registry": registry}, prog_name="distillkit")


if __name__ == "__main__":
    main()
