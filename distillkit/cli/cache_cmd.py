"""``distillkit cache stats|export|clear``: look into, export and prune the teacher cache."""

from __future__ import annotations

import json
from pathlib import Path

import click

from distillkit.cli.errors import handle_errors
from distillkit.errors import DataError

_where = click.argument("where", type=click.Path(dir_okay=False))


def resolve_cache_path(where: str) -> Path:
    """WHERE is the cache file itself, or a pipeline YAML (its cache.path, else <output_dir>/teacher_cache.sqlite)."""
    path = Path(where)
    if path.suffix.lower() in (".yaml", ".yml"):
        from distillkit.annotation.cache import cache_path
        from distillkit.config.yaml_source import read_yaml

        data, _ = read_yaml(path)
        data = data if isinstance(data, dict) else {}
        run_dir = data.get("output_dir") or f"runs/{data.get('name', '')}"
        path = cache_path((data.get("cache") or {}).get("path"), run_dir)
    if not path.is_file():
        raise DataError(f"no teacher cache at {path} (nothing annotated yet?); pass the .sqlite file or the pipeline YAML")
    return path


def _open(where: str):
    from distillkit.annotation.cache import TeacherCache

    return TeacherCache(resolve_cache_path(where))


@click.group()
def cache() -> None:
    """Inspect, export or prune the teacher cache (WHERE: the .sqlite file or a pipeline YAML)."""


@cache.command()
@_where
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def stats(where: str, as_json: bool) -> None:
    """Entries, tokens, cost and latency per teacher."""
    with _open(where) as store:
        info = store.stats()
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    click.echo(f"{info['path']}: {info['entries']} answers, {info['bytes'] / 1e6:.1f} MB, "
               f"tokens {info['prompt_tokens']} in / {info['completion_tokens']} out, cost {info['cost']:.4f}")
    for row in info["teachers"]:
        latency = f"{row['mean_latency_s']:.2f}s" if row["mean_latency_s"] is not None else "-"
        click.echo(f"  {row['teacher_id'] or '-'}  {row['teacher_type']}:{row['model'] or '-'}  {row['entries']} answers, "
                   f"tokens {row['prompt_tokens'] or 0}/{row['completion_tokens'] or 0}, cost {row['cost'] or 0:.4f}, "
                   f"mean latency {latency}")


@cache.command()
@_where
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet"]), help="Default: from OUT's suffix.")
@click.option("--teacher-id", help="Only this pipeline teacher's answers.")
@handle_errors
def export(where: str, out: str, fmt: str | None, teacher_id: str | None) -> None:
    """Write the answers to OUT (JSONL or parquet; loadable by `datasets` and the `dataset` teacher)."""
    with _open(where) as store:
        n = store.export(out, fmt, teacher_id=teacher_id)
    click.echo(f"wrote {n} answers to {out}")


@cache.command()
@_where
@click.option("--teacher-id", help="Only this pipeline teacher's answers.")
@click.option("--model", help="Only answers of this model.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@handle_errors
def clear(where: str, teacher_id: str | None, model: str | None, yes: bool) -> None:
    """Delete cached answers (all, or one teacher's / model's). They will be paid for again."""
    scope = " and ".join(filter(None, [teacher_id and f"teacher {teacher_id}", model and f"model {model}"])) or "all"
    if not yes:
        click.confirm(f"delete {scope} cached answers?", abort=True)
    with _open(where) as store:
        n = store.clear(teacher_id=teacher_id, model=model)
    click.echo(f"deleted {n} answers ({scope})")


def add_to(cli: click.Group) -> None:
    cli.add_command(cache)
