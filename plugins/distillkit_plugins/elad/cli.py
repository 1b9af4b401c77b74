"""``distillkit elad-report``: the ELAD report (accuracy vs budget, selections, revisions) of finished runs."""

from __future__ import annotations

import click

from distillkit.cli.errors import handle_errors


@click.command("elad-report")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", default="elad_report", show_default=True, type=click.Path(file_okay=False),
              help="Folder for elad_report.{md,json} and accuracy_vs_budget.png.")
@click.option("--metric", default="accuracy", show_default=True, help="Validation metric to plot.")
@click.option("--show", default=5, show_default=True, type=click.IntRange(0), help="Selected items listed per round.")
@handle_errors
def elad_report(run_dirs: tuple[str, ...], out_dir: str, metric: str, show: int) -> None:
    """Compare finished runs: accuracy against teacher budget, what each round selected and why, revisions."""
    from distillkit_plugins.elad.report import write_report

    path = write_report(list(run_dirs), out_dir, metric, show)
    click.echo(f"wrote {path} (+ elad_report.json, accuracy_vs_budget.png)")
