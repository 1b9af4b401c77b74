"""``distillkit run`` and ``distillkit validate``."""

from __future__ import annotations

import click

from distillkit.cli.errors import handle_errors
from distillkit.cli.options import override_option, plugin_option, registry_for
from distillkit.config.load import load_pipeline
from distillkit.errors import ConfigError


@click.command()
@click.argument("config", type=click.Path(dir_okay=False))
@override_option
@plugin_option
@click.option("--output-dir", type=click.Path(file_okay=False), help="Run folder (overrides output_dir).")
@handle_errors
def run(config: str, overrides: tuple[str, ...], plugins: tuple[str, ...], output_dir: str | None) -> None:
    """Run the pipeline in CONFIG. Rerunning an interrupted run resumes it."""
    from distillkit.run.runner import run_pipeline

    registry = registry_for(plugins)
    extra = [f"output_dir={output_dir}"] if output_dir else []
    pipeline = load_pipeline(config, registry, list(overrides) + extra)
    summary = run_pipeline(pipeline, registry, config_path=config)
    click.echo(f"done: {summary['run_dir']}")
    for line in summary.get("headline", []):
        click.echo(f"  {line}")


@click.command()
@click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@override_option
@plugin_option
@handle_errors
def validate(configs: tuple[str, ...], overrides: tuple[str, ...], plugins: tuple[str, ...]) -> None:
    """Check CONFIGS without loading any model or touching the network. Exit 0 if all are valid."""
    registry = registry_for(plugins)
    failed: list[ConfigError] = []
    for path in configs:
        try:
            load_pipeline(path, registry, list(overrides))
            click.echo(f"ok: {path}")
        except ConfigError as exc:
            failed.append(exc)
    if failed:
        for exc in failed:
            click.echo(exc.render(), err=True)
        raise SystemExit(2)


def add_to(cli: click.Group) -> None:
    cli.add_command(run)
    cli.add_command(validate)
