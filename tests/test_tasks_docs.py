"""Every task section in docs/tasks.md validates against the real options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DOC = Path(__file__).resolve().parents[1] / "docs" / "tasks.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)


def test_the_doc_has_examples():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.split("type:")[1].split()[0].strip(",}"))
def test_doc_yaml_validates(registry, block):
    config = yaml.safe_load(block)
    task = dict(config["task"])
    registry.create("task", task.pop("type"), **task)
    for teacher in config.get("teachers", []):
        teacher = {k: v for k, v in teacher.items() if k != "id"}
        registry.create("teacher", teacher.pop("type"), **teacher)
