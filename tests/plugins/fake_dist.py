"""Throwaway installed distributions for plugin-loading tests.

``make_dist`` writes a ``<name>-<version>.dist-info`` (METADATA + entry_points.txt) and the
plugin's modules into a folder; put that folder on PYTHONPATH (or sys.path) and
``importlib.metadata`` sees an installed distribution, exactly as after ``pip install``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path


def make_dist(site: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str],
              version: str = "1.0") -> str:
    """Write one distribution into ``site``; returns ``site`` as a string for PYTHONPATH."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = "".join(f"{name} = {module}\n" for name, module in entry_points.items())
    (info / "entry_points.txt").write_text(f"[distillkit]\n{lines}")
    for module, body in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(body))
    return str(site)


def distillkit_cli(*args: str, pythonpath: str = "", cwd: str | None = None, **env: str):
    """Run ``distillkit`` in a fresh process that sees the distributions on ``pythonpath``."""
    full = {**os.environ, "PYTHONPATH": pythonpath, **env}
    return subprocess.run([sys.executable, "-m", "distillkit.cli.main", *args], check=False,
                          capture_output=True, text=True, env=full, cwd=cwd, timeout=120)
