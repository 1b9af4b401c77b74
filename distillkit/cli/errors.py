"""Turn exceptions into exit codes: 0 ok, 2 usage/config error, 1 anything else."""

from __future__ import annotations

import functools
import sys
import traceback

import click

from distillkit.errors import DistillkitError
from distillkit.secrets import redact


def handle_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        show_tb = bool((ctx.find_root().obj or {}).get("traceback"))
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except DistillkitError as exc:
            if show_tb:
                traceback.print_exc()
            click.echo(f"error: {redact(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: rerun the same command to resume (teacher answers are cached).", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the last line of defence of a CLI
            if show_tb:
                traceback.print_exc()
            click.echo(f"error: {type(exc).__name__}: {redact(str(exc))}\n(rerun with --traceback for details)", err=True)
            sys.exit(1)

    return wrapper
