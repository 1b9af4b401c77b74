"""Meta-tests that keep the plugin API honest."""

import importlib
import importlib.metadata as md
import inspect
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import distillkit_plugins
import pytest

import distillkit
from distillkit import hookspecs
from distillkit.config.load import load_pipeline
from distillkit.testing import BUILTIN_PLUGINS, pyproject_entry_points

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(n for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, "distillkit_spec"))
CONFIGS = sorted(ROOT.glob("configs/**/*.yaml"))


def all_modules(package):
    return sorted(m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + "."))


def test_hook_list_is_what_the_docs_promise():
    assert "register_commands" in HOOKS
    for kind in ("teacher_backends", "rationale_strategies", "sample_selectors", "student_losses", "tasks",
                 "student_models", "metrics", "trainers", "callbacks"):
        assert f"register_{kind}" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert len(doc) > 60 and ":param" in doc, f"{hook} needs a contract-depth docstring"
    docs = (ROOT / "docs" / "plugins.md").read_text()
    assert f"`{hook}`" in docs, f"docs/plugins.md does not document {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_implemented_by_a_builtin_and_tested(hook):
    impls = [p for p in BUILTIN_PLUGINS if hasattr(importlib.import_module(f"distillkit_plugins.{p}"), hook)]
    assert impls, f"no built-in plugin implements {hook}"
    tests = [p for p in (ROOT / "tests").rglob("test_*.py") if p.name != "test_meta.py" and hook in p.read_text()]
    assert tests, f"no test mentions {hook}"


def test_entry_points_match_installed_metadata_and_packages():
    declared = pyproject_entry_points(ROOT)
    installed = {ep.name: ep.value for ep in md.entry_points(group="distillkit") if ep.dist.name == "distillkit"}
    packages = {m.name for m in pkgutil.iter_modules(distillkit_plugins.__path__) if m.ispkg}
    assert declared == installed, "pyproject entry points differ from the installed ones: run pip install -e ."
    assert set(declared) == packages == set(BUILTIN_PLUGINS)
    assert all(v == f"distillkit_plugins.{k}" for k, v in declared.items())


def test_every_module_imports():
    for name in all_modules(distillkit) + all_modules(distillkit_plugins):
        importlib.import_module(name)


def test_core_and_plugin_registration_do_not_import_torch():
    """`import distillkit`, every core module and every plugin's hookimpl module stay torch-free."""
    core = [m for m in all_modules(distillkit)]
    entry = [f"distillkit_plugins.{p}" for p in BUILTIN_PLUGINS]
    code = (
        "import importlib, json, sys\n"
        f"mods = {json.dumps(core + entry)}\n"
        "for m in mods: importlib.import_module(m)\n"
        "from distillkit.testing import builtin_registry\n"
        "builtin_registry()\n"
        "heavy = [m for m in ('torch', 'transformers', 'accelerate', 'datasets') if m in sys.modules]\n"
        "print(json.dumps(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_there_are_configs_to_check():
    assert len(CONFIGS) >= 4 and any("tinyllm" in str(c) for c in CONFIGS) and any("elad" in str(c) for c in CONFIGS)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_config_validates(config, registry):
    pipeline = load_pipeline(config, registry)
    assert pipeline.spec.name
    head = config.read_text().splitlines()[:3]
    assert head and head[0].startswith("#"), f"{config.name}: start with a comment saying what it is for"
