"""The plugin example in README.md works as printed: 30-odd lines give a cached, batched teacher."""

from __future__ import annotations

import re
from pathlib import Path

from distillkit.annotation import AnnotationEngine, TeacherCache
from distillkit.components import StrategyContext
from distillkit.registry import build_registry

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_plugin_teacher_loads_and_answers_through_the_engine(tmp_path):
    section = README.read_text().split("## Writing a plugin", 1)[1]
    (code,) = re.findall(r"```python\n(.*?)```", section.split("\n## ", 1)[0], re.DOTALL)
    plugin = tmp_path / "shouting.py"
    plugin.write_text(code)
    registry = build_registry([str(plugin)])
    teacher = registry.create("teacher", "shouting")
    strategy = registry.create("strategy", "cot")
    task = registry.create("task", "synthetic_arithmetic", train_size=4, validation_size=0, test_size=0)
    examples = task.load().train
    strategy.prepare(StrategyContext(task, examples, 0, {}))
    with TeacherCache(tmp_path / "c.sqlite") as cache:
        engine = AnnotationEngine(cache, progress=False)
        kwargs = {"teacher_id": "shout", "teacher": teacher, "strategy": strategy, "examples": examples,
                  "task": task, "filters": []}
        first = engine.annotate(**kwargs)
        again = engine.annotate(**kwargs)
    assert [a.raw for a in first.annotations] == [a.prompt.upper() for a in first.annotations]
    assert "START WITH" in first.annotations[0].raw
    assert first.stats.calls == 4 and again.stats.calls == 0 and again.stats.cache_hits == 4
