"""The floors pyproject declares hold: Python >= 3.10, torch >= the first release with every torch API
the code uses, and line-length 110 enforced by ruff (issue 12, point 8)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from distillkit.testing import tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SOURCES = sorted([*ROOT.glob("distillkit/**/*.py"), *ROOT.glob("plugins/**/*.py")])


def _floor(requirement: str) -> tuple[int, ...]:
    found = re.search(r">=\s*([\d.]+)", requirement)
    assert found, f"no lower bound in {requirement!r}"
    return tuple(int(x) for x in found.group(1).split("."))


def test_every_module_is_python_3_10_syntax():
    assert _floor(PYPROJECT["project"]["requires-python"]) == (3, 10)
    for path in SOURCES:
        ast.parse(path.read_text(), filename=str(path), feature_version=(3, 10))


def _imports_outside_a_version_check(tree: ast.AST, module: str) -> list[int]:
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "version_info" in ast.unparse(node.test):
            guarded |= {id(n) for n in ast.walk(node)}
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Import) and id(n) not in guarded
            and any(a.name == module for a in n.names)]


@pytest.mark.parametrize("module", ["tomllib"])  # standard library from Python 3.11 on
def test_modules_newer_than_the_floor_are_imported_behind_a_version_check(module):
    bad = [f"{p.relative_to(ROOT)}:{line}" for p in SOURCES
           for line in _imports_outside_a_version_check(ast.parse(p.read_text()), module)]
    assert not bad, f"{module} needs Python 3.11: import it under `if sys.version_info >= (3, 11)`: {bad}"
    test_extra = " ".join(PYPROJECT["project"]["optional-dependencies"]["test"])
    assert "tomli" in test_extra and "python_version < '3.11'" in test_extra


# torch APIs the code uses -> the first torch release that has them
TORCH_APIS = {"torch.accelerator": (2, 6)}


def test_the_torch_floor_covers_the_torch_apis_in_use():
    torch_req = next(d for d in PYPROJECT["project"]["dependencies"] if re.match(r"torch\b", d))
    code = "\n".join(p.read_text() for p in SOURCES)
    for api, since in TORCH_APIS.items():
        if api in code:
            assert _floor(torch_req) >= since, f"{api} needs torch >= {since}; pyproject says {torch_req!r}"


def test_line_length_is_enforced_by_ruff():
    lint = PYPROJECT["tool"]["ruff"]["lint"]
    assert PYPROJECT["tool"]["ruff"]["line-length"] == 110 and "E501" in lint["extend-select"]
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e .[dev])")
    res = subprocess.run([ruff, "check", "--select", "E501", "--output-format", "concise", str(ROOT)],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert res.returncode == 0, res.stdout[-3000:]
