"""The documented third-party plugin example installs, registers through its entry point and annotates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "distillkit-example-teacher"
CONFIG = """\
name: example-plugin
task: {type: synthetic_arithmetic}
teachers:
  - id: calc
    type: arithmetic_eval
    max_concurrency: 2
    strategy: {type: cot}
student: {type: hf, model: builtin:smollm2-135m-instruct}
loss: {type: cot_sft}
"""
ANNOTATE = """
import json, re
from distillkit.annotation import AnnotationEngine, TeacherCache
from distillkit.components import StrategyContext, Task
from distillkit.components.answer_format import AnswerFormat
from distillkit.registry import build_registry
from distillkit.types import Example

class Number(AnswerFormat):
    def extract(self, text, example):
        found = re.findall(r"-?\\d+", text)
        return found[-1] if found else None

class Sums(Task):
    name = "sums"
    answer_format = Number()

registry = build_registry()  # entry points only: the example must be found as an installed plugin
teacher = registry.create("teacher", "arithmetic_eval", max_concurrency=2)
strategy = registry.create("strategy", "cot")
strategy.prepare(StrategyContext(Sums(), [], 0))
examples = [Example(f"e{i}", f"What is {i} + {2 * i}?", str(3 * i)) for i in range(6)]
examples.append(Example("bad", "What is the capital of France?", "Paris"))
cache = TeacherCache(__import__("sys").argv[1])
for _ in range(2):
    result = AnnotationEngine(cache, progress=False).annotate(
        teacher_id="calc", teacher=teacher, strategy=strategy, examples=examples, task=Sums(), filters=[])
    print(json.dumps({"answers": [a.answer for a in result.annotations], "stats": result.stats.to_dict(),
                      "plugin": registry.entry("teacher", "arithmetic_eval").plugin}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    target, source = tmp_path_factory.mktemp("site"), tmp_path_factory.mktemp("src") / "example"
    shutil.copytree(EXAMPLE, source)  # setuptools builds in the source folder: keep the repo clean
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))}
    return env


def _distillkit(env, *args, cwd=None):
    return subprocess.run([sys.executable, "-m", "distillkit.cli.main", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def test_example_is_about_thirty_lines():
    module = EXAMPLE / "distillkit_example_teacher.py"
    assert len(module.read_text().splitlines()) <= 40
    assert 'example_teacher = "distillkit_example_teacher"' in (EXAMPLE / "pyproject.toml").read_text()


def test_listed_and_validated_through_its_entry_point(installed, tmp_path):
    listed = _distillkit(installed, "components", "teacher")
    assert listed.returncode == 0, listed.stderr
    assert "arithmetic_eval" in listed.stdout and "[example_teacher]" in listed.stdout
    config = tmp_path / "pipeline.yaml"
    config.write_text(CONFIG)
    valid = _distillkit(installed, "validate", str(config))
    assert valid.returncode == 0, valid.stderr
    config.write_text(CONFIG.replace("max_concurrency: 2", "max_concurency: 2"))
    invalid = _distillkit(installed, "validate", str(config))
    assert invalid.returncode == 2 and "teachers[0].max_concurency" in invalid.stderr


def test_annotates_with_batching_cache_and_failure_reasons(installed, tmp_path):
    run = subprocess.run([sys.executable, "-c", ANNOTATE, str(tmp_path / "c.sqlite")], env=installed,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    first, second = (json.loads(line) for line in run.stdout.strip().splitlines())
    assert first["plugin"] == "example_teacher"
    assert first["answers"] == ["0", "3", "6", "9", "12", "15", None]
    assert first["stats"]["calls"] == 6 and first["stats"]["failures_by_reason"] == {"no expression": 1}
    assert second["stats"]["calls"] == 0 and second["stats"]["cache_hits"] == 6  # the failure is asked again
