"""The plugin contract at load time: plugins keyed by (distribution, entry point), commands that
cannot replace others, components checked when registered, and every failure an exit-2 message
that names the plugin's distribution (never a traceback)."""

from __future__ import annotations

import json
import textwrap

import pytest

from distillkit.errors import PluginError
from distillkit.registry import build_registry
from tests.plugins.fake_dist import distillkit_cli, make_dist

METRIC_PLUGIN = """
    from distillkit import hookimpl
    from distillkit.components import Metric
    from distillkit.types import MetricResult

    class Always(Metric):
        '''Scores 1.'''
        name = "always_one"
        def compute(self, predictions, examples, task):
            return MetricResult("always_one", 1.0, len(examples))

    @hookimpl
    def register_metrics(register):
        register(Always)
"""


def assert_exit_2_naming(res, *words):
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    for word in words:
        assert word in res.stderr, (word, res.stderr)


# -- point 1: plugins keyed by (distribution, entry point) ------------------------------------------

def test_entry_point_name_clash_names_both_distributions(tmp_path):
    site = make_dist(tmp_path, "other-metrics", {"metrics": "other_metrics_mod"},
                     {"other_metrics_mod": METRIC_PLUGIN}, version="0.3")
    res = distillkit_cli("plugins", pythonpath=site)
    assert_exit_2_naming(res, "'metrics'", "other-metrics (other_metrics_mod)",
                         "distillkit (distillkit_plugins.metrics)",
                         "DISTILLKIT_DISABLE_PLUGINS=other-metrics:metrics",
                         "DISTILLKIT_DISABLE_PLUGINS=distillkit:metrics")


def test_a_clash_is_resolved_by_disabling_one_distributions_entry_point(tmp_path):
    site = make_dist(tmp_path, "other-metrics", {"metrics": "other_metrics_mod"},
                     {"other_metrics_mod": METRIC_PLUGIN})
    res = distillkit_cli("components", "metric", "--json", pythonpath=site,
                         DISTILLKIT_DISABLE_PLUGINS="other-metrics:metrics")
    assert res.returncode == 0, res.stderr
    names = {row["name"] for row in json.loads(res.stdout)}
    assert "accuracy" in names and "always_one" not in names  # the built-in survives, untouched


def test_distinct_entry_point_names_load_side_by_side(tmp_path):
    site = make_dist(tmp_path, "other-metrics", {"other_metrics": "other_metrics_mod"},
                     {"other_metrics_mod": METRIC_PLUGIN})
    res = distillkit_cli("components", "metric", "--json", pythonpath=site)
    assert res.returncode == 0, res.stderr
    assert {"accuracy", "always_one"} <= {row["name"] for row in json.loads(res.stdout)}


COMMAND_PLUGIN = """
    import click
    from distillkit import hookimpl

    @click.command(name="{name}")
    def cmd():
        '''A plugin command.'''
        click.echo("hello from the plugin")

    @hookimpl
    def register_commands(cli):
        cli.add_command(cmd)
"""


@pytest.mark.parametrize("command, owner", [("run", "distillkit itself"), ("data", "plugin 'tasks'")])
def test_a_plugin_command_may_not_replace_another(tmp_path, command, owner):
    site = make_dist(tmp_path, "cmd-plugin", {"cmds": "cmd_plugin_mod"},
                     {"cmd_plugin_mod": COMMAND_PLUGIN.replace("{name}", command)}, version="2.0")
    res = distillkit_cli("plugins", pythonpath=site)
    assert_exit_2_naming(res, f"command {command!r}", "cmd-plugin 2.0", owner)


def test_commands_from_a_plugin_file_are_registered_and_listed(tmp_path):
    plugin = tmp_path / "hello_cmd.py"
    plugin.write_text(textwrap.dedent(COMMAND_PLUGIN.replace("{name}", "hello")))
    res = distillkit_cli("--plugin", str(plugin), "hello")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "hello from the plugin"
    listed = distillkit_cli("plugins", "--json", "--plugin", str(plugin))
    rows = {row["source"] + ":" + row["module"]: row for row in json.loads(listed.stdout)}
    assert rows[f"--plugin:{plugin}"]["commands"] == ["hello"]
    builtin = {row["name"]: row for row in json.loads(listed.stdout)}
    assert builtin["elad"]["commands"] == ["elad-report"] and builtin["basic"]["commands"] == []


# -- point 2: components checked when registered, hook failures named -----------------------------

BROKEN_HOOK = """
    from distillkit import hookimpl

    @hookimpl
    def register_teacher_backends(register):
        from not_installed_backend_sdk import Client  # fails only when the hook runs
"""


def test_import_error_inside_a_hook_names_plugin_and_distribution(tmp_path):
    site = make_dist(tmp_path, "broken-hook", {"broken": "broken_hook_mod"}, {"broken_hook_mod": BROKEN_HOOK},
                     version="0.9")
    res = distillkit_cli("components", pythonpath=site)
    assert_exit_2_naming(res, "plugin 'broken'", "broken-hook 0.9", "register_teacher_backends",
                         "ModuleNotFoundError", "not_installed_backend_sdk",
                         "DISTILLKIT_DISABLE_PLUGINS=broken-hook:broken")


def test_import_error_inside_a_command_hook_names_the_distribution(tmp_path):
    body = """
        from distillkit import hookimpl
        @hookimpl
        def register_commands(cli):
            import not_installed_cli_dependency
    """
    site = make_dist(tmp_path, "broken-cmd", {"brokencmd": "broken_cmd_mod"}, {"broken_cmd_mod": body})
    res = distillkit_cli("--help", pythonpath=site)
    assert_exit_2_naming(res, "broken-cmd 1.0", "register_commands", "not_installed_cli_dependency")


TEACHER_WITHOUT_METHODS = """
    from distillkit import hookimpl
    from distillkit.components import Teacher

    class Mute(Teacher):
        '''Overrides no generate method.'''
        name = "mute"

    @hookimpl
    def register_teacher_backends(register):
        register(Mute)
"""


def test_a_teacher_without_a_generate_method_fails_at_load_naming_the_distribution(tmp_path, ):
    site = make_dist(tmp_path, "mute-teacher", {"mute": "mute_mod"}, {"mute_mod": TEACHER_WITHOUT_METHODS})
    res = distillkit_cli("validate", "any.yaml", pythonpath=site)
    assert_exit_2_naming(res, "mute-teacher 1.0", "mute_mod.Mute",
                         "none of generate_one, generate_request, generate_batch, agenerate_batch")


def _registry_with(tmp_path, body: str):
    path = tmp_path / "local_plugin.py"
    path.write_text(textwrap.dedent(body))
    return build_registry([str(path)], entry_points=False)


@pytest.mark.parametrize("body, expected", [
    ("""
        class C(Teacher):
            '''No name.'''
            def generate_one(self, prompt):
                return prompt
    """, "has no `name`"),
    ("""
        from pydantic import BaseModel
        class C(Teacher):
            '''Options is a plain model.'''
            name = "plain_options"
            class Options(BaseModel):
                x: int = 1
            def generate_one(self, prompt):
                return prompt
    """, "`Options` that is not a subclass of distillkit.components.ComponentOptions"),
    ("""
        class C(RationaleStrategy):
            '''Builds prompts but never parses.'''
            name = "half"
            def build_prompt(self, example):
                return example.question
    """, "lacks parse (required of every RationaleStrategy)"),
    ("""
        class C(StudentLoss):
            '''No inference prompt.'''
            name = "half_loss"
            def views(self, example, annotations, task):
                return []
    """, "lacks inference_prompt"),
])
def test_registration_checks_each_contract(tmp_path, body, expected):
    kind_hook = {"Teacher": "register_teacher_backends", "RationaleStrategy": "register_rationale_strategies",
                 "StudentLoss": "register_student_losses"}
    base = next(b for b in kind_hook if f"({b})" in body)
    module = ("from distillkit import hookimpl\nfrom distillkit.components import *\n"
              + textwrap.dedent(body)
              + f"\n@hookimpl\ndef {kind_hook[base]}(register):\n    register(C)\n")
    with pytest.raises(PluginError) as exc:
        _registry_with(tmp_path, module)
    assert expected in str(exc.value)
    assert "--plugin" in str(exc.value) and "local_plugin.py" in str(exc.value)


def test_every_builtin_component_meets_its_contract(registry):
    from distillkit.components import KINDS
    from distillkit.registry import contract_problems

    for kind, name, entry in registry.entries():
        assert contract_problems(entry.cls, KINDS[kind]) == [], (kind, name)
