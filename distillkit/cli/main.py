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
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE_OR_FILE",
              help="Load a local plugin module or .py file for every command, including the ones it adds.")
@click.pass_context
def cli(ctx: click.Context, traceback: bool, plugins: tuple[str, ...]) -> None:
    """distillkit: distil reasoning from teacher LLMs into a small student."""
    ctx.ensure_object(dict)
    ctx.obj["traceback"] = traceback


for module in (run_cmd, inspect_cmd, cache_cmd):
    module.add_to(cli)
_CORE_COMMANDS = dict(cli.commands)


def _with_plugin_commands(argv: list[str]):
    """Load the installed plugins and every ``--plugin`` on the command line once, let them add
    commands, and share the registry with the commands."""
    from distillkit.cli.plugin_commands import add_plugin_commands, plugin_specs
    from distillkit.registry import build_registry

    specs = plugin_specs(argv)
    registry = build_registry(specs)
    cli.commands = dict(_CORE_COMMANDS)  # main() may run twice in one process (tests)
    add_plugin_commands(cli, registry)
    return registry, specs


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    traceback = "--traceback" in argv
    try:
        registry, specs = _with_plugin_commands(argv)
    except DistillkitError as exc:
        if traceback:
            import traceback as tb

            tb.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    cli.main(args=argv, obj={"registry": registry, "plugins": specs}, prog_name="distillkit")


if __name__ == "__main__":
    main()
