"""Plugin loading is strict: failures name the plugin and how to disable it."""

import subprocess
import sys
import textwrap

import pytest

from distillkit.errors import PluginError
from distillkit.plugin_manager import load_plugins
from distillkit.registry import build_registry
from distillkit.testing import builtin_modules
from tests.plugins import fake_components


def write(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_builtins_and_fakes_register(registry):
    reg = build_registry(entry_points=False, modules=[*builtin_modules(), fake_components])
    assert reg.get("teacher", "fake_echo") is fake_components.EchoTeacher
    assert reg.entry("task", "fake_counting").plugin == "tests.plugins.fake_components"
    assert "fake_echo" not in registry.names("teacher")  # fresh registry per test: no leakage


def test_misspelled_hook_fails_with_did_you_mean(tmp_path):
    plugin = write(tmp_path, "typo_plugin.py", """
        from distillkit import hookimpl
        @hookimpl
        def register_teacher_backend(register):
            pass
    """)
    with pytest.raises(PluginError) as exc:
        load_plugins([plugin], entry_points=False)
    msg = str(exc.value)
    assert "register_teacher_backend" in msg and "did you mean 'register_teacher_backends'" in msg


def test_hook_with_wrong_argument_names_fails(tmp_path):
    plugin = write(tmp_path, "badargs.py", """
        from distillkit import hookimpl
        @hookimpl
        def register_tasks(reg):
            pass
    """)
    with pytest.raises(PluginError, match="invalid hook"):
        load_plugins([plugin], entry_points=False)


def test_plugin_whose_import_raises(tmp_path):
    plugin = write(tmp_path, "boom.py", "raise RuntimeError('no GPU driver')\n")
    with pytest.raises(PluginError, match=r"boom.py failed to import: RuntimeError: no GPU driver"):
        load_plugins([plugin], entry_points=False)


def test_missing_plugin_module():
    with pytest.raises(PluginError, match="no_such_module_xyz failed to import"):
        load_plugins(["no_such_module_xyz"], entry_points=False)


def test_duplicate_component_name_names_both_plugins(tmp_path):
    plugin = write(tmp_path, "dup.py", """
        from distillkit import hookimpl
        from tests.plugins.fake_components import EchoTeacher
        class Other(EchoTeacher):
            '''Same name, other plugin.'''
        @hookimpl
        def register_teacher_backends(register):
            register(Other)
    """)
    with pytest.raises(PluginError) as exc:
        build_registry([plugin], entry_points=False, modules=[fake_components])
    msg = str(exc.value)
    assert "'fake_echo' is registered twice" in msg
    assert "tests.plugins.fake_components" in msg and "distillkit_local_plugin_dup" in msg


def test_registering_a_non_component_is_an_error(tmp_path):
    plugin = write(tmp_path, "notacomp.py", """
        from distillkit import hookimpl
        @hookimpl
        def register_tasks(register):
            register(dict)
    """)
    with pytest.raises(PluginError, match="not a subclass of distillkit.components.Task"):
        build_registry([plugin], entry_points=False)


def _entry_point_env(tmp_path, module_body):
    """A fake installed distribution (dist-info + module) on PYTHONPATH with one entry point."""
    site = tmp_path / "site"
    dist = site / "broken_plugin-1.2.3.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.2.3\n")
    (dist / "entry_points.txt").write_text("[distillkit]\nbroken = broken_plugin_mod\n")
    (site / "broken_plugin_mod.py").write_text(textwrap.dedent(module_body))
    return str(site)


def _cli(args, pythonpath, **env):
    import os

    full = {**os.environ, "PYTHONPATH": pythonpath, **env}
    return subprocess.run([sys.executable, "-m", "distillkit.cli.main", *args], check=False, capture_output=True,
                          text=True, env=full)


def test_entry_point_that_fails_to_import_names_distribution_and_fix(tmp_path):
    site = _entry_point_env(tmp_path, "import not_installed_dependency\n")
    res = _cli(["plugins"], site)
    assert res.returncode == 2
    assert "broken-plugin 1.2.3" in res.stderr
    assert "DISTILLKIT_DISABLE_PLUGINS=broken-plugin:broken" in res.stderr
    assert "Traceback" not in res.stderr


def test_block_and_allow_lists(tmp_path):
    site = _entry_point_env(tmp_path, "import not_installed_dependency\n")
    blocked = _cli(["plugins", "--json"], site, DISTILLKIT_DISABLE_PLUGINS="broken")
    assert blocked.returncode == 0, blocked.stderr
    assert '"broken"' not in blocked.stdout and '"basic"' in blocked.stdout
    allowed = _cli(["plugins", "--json"], site, DISTILLKIT_PLUGINS="basic")
    assert allowed.returncode == 0, allowed.stderr
    assert '"basic"' in allowed.stdout and '"tasks"' not in allowed.stdout


def test_trace_env_prints_hook_calls(tmp_path):
    res = _cli(["components", "selector"], "", DISTILLKIT_TRACE_PLUGINS="1", DISTILLKIT_PLUGINS="basic")
    assert res.returncode == 0
    assert "register_sample_selectors" in res.stderr
