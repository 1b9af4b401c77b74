"""Shared checks of the hostile-input tests: run the CLI on a file and demand a clean, located exit 2."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from distillkit.cli.main import main

BASE = (Path(__file__).parent / "bad_configs" / "misspelled_teacher_option.yaml").read_text().replace(
    "    eror_rate: 0.1\n", "")  # the corpus's base pipeline, made valid
LIMIT_S = 5.0  # the acceptance bound for every bad input (cases take ~0.1 s)


def fails_cleanly(args: list[str], capsys, *expected: str) -> str:
    """Run ``distillkit ARGS``: exit 2 within LIMIT_S, every EXPECTED text in stderr, no traceback."""
    start = time.monotonic()
    with pytest.raises(SystemExit) as exc:
        main(args)
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert elapsed < LIMIT_S, f"took {elapsed:.1f}s:\n{err}"
    assert "Traceback" not in err and "RecursionError" not in err, err
    for text in expected:
        assert text in err, f"expected {text!r} in:\n{err}"
    return err
