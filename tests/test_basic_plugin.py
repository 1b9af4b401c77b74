"""The basic plugin's hooks: register_rationale_filters and register_callbacks register what they promise."""

from distillkit.plugin_manager import load_plugins
from distillkit.run.events import EventLog
from distillkit.testing import builtin_modules


def _registered(hook):
    pm, _ = load_plugins(entry_points=False, modules=builtin_modules())
    names = []
    getattr(pm.hook, hook)(register=lambda cls: names.append(cls.name))
    return names


def test_register_rationale_filters_hook():
    assert set(_registered("register_rationale_filters")) >= {"answer_matches_gold", "non_empty", "not_truncated", "min_length"}


def test_register_callbacks_hook_and_console_output(registry, tmp_path, capsys):
    assert "console" in _registered("register_callbacks")
    console = registry.create("callback", "console")
    log = EventLog(tmp_path / "events.jsonl", [console])
    log("round_end", {"round": 1, "accuracy": 0.51234, "validation": {"x": 1}})
    log("train_log", {"step": 3, "loss": 1.0})
    err = capsys.readouterr().err
    assert "[distillkit] round_end: round=1 accuracy=0.5123" in err and "train_log" not in err
    assert [r["event"] for r in log.read()] == ["round_end", "train_log"]
