"""Left-out sections get the component a plugin declared its kind's default (``default = True``);
the core names none. No default, or two, is a clear error."""

from __future__ import annotations

import importlib
import textwrap

import pytest

from distillkit.config.load import load_pipeline
from distillkit.errors import ConfigError, PluginError
from distillkit.registry import build_registry
from distillkit.testing import builtin_modules
from tests.plugins import fake_components

MINIMAL = """\
name: defaults
task: {type: fake_counting, size: 9}
teachers:
  - id: t1
    type: fake_echo
student: {type: hf}
loss: {type: cot_sft, teacher: t1}
"""


def test_left_out_sections_are_the_declared_defaults_of_the_builtins():
    reg = build_registry(entry_points=False, modules=[*builtin_modules(), fake_components])
    p = load_pipeline(None, reg, text=MINIMAL)
    declared = {kind: reg.default(kind) for kind in ("selector", "trainer", "metric", "strategy")}
    assert None not in declared.values()
    assert p.selector.name == declared["selector"] and p.trainer.name == declared["trainer"]
    assert [m.name for m in p.metrics] == [declared["metric"]]
    assert p.teachers[0].strategy.name == declared["strategy"]
    assert not p.teachers[0].strategy.uses_gold_answer  # it also scores the teachers' own answers
    # the resolved config written beside a run names them, so a rerun never depends on defaults
    resolved = p.resolved_config()
    assert resolved["selector"]["type"] == declared["selector"]
    assert resolved["teachers"][0]["strategy"]["type"] == declared["strategy"]


def test_without_a_plugin_declaring_defaults_the_missing_sections_are_located_problems():
    modules = [importlib.import_module(f"distillkit_plugins.{name}") for name in ("hf", "training")]
    reg = build_registry(entry_points=False, modules=[*modules, fake_components])
    assert reg.default("selector") is None and reg.default("strategy") is None
    with pytest.raises(ConfigError) as exc:
        load_pipeline(None, reg, text=MINIMAL)
    found = {(p.location, p.message.split(",")[0]) for p in exc.value.problems}
    assert found == {("selector", "no selector configured"), ("metrics", "no metric configured"),
                     ("teachers[0].strategy", "no strategy configured")}
    assert all("distillkit components" in p.hint for p in exc.value.problems)


def test_two_defaults_of_one_kind_name_both_plugins(tmp_path):
    path = tmp_path / "second_default.py"
    path.write_text(textwrap.dedent("""
        from distillkit import hookimpl
        from distillkit.components import SampleSelector

        class First(SampleSelector):
            '''Takes the first k.'''
            name = "first_k"
            default = True
            def select(self, pool, k, ctx):
                return []

        @hookimpl
        def register_sample_selectors(register):
            register(First)
    """))
    with pytest.raises(PluginError) as exc:
        build_registry([str(path)], entry_points=False, modules=builtin_modules())
    msg = str(exc.value)
    assert "two selector classes declare themselves the default" in msg
    assert "'first_k'" in msg and "second_default.py" in msg
    assert "plugin 'basic' (distribution distillkit" in msg
