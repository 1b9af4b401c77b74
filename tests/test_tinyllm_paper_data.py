"""The paper configs' hub data mappings, exercised on local rows in the hubs' own schemas."""

from __future__ import annotations

import json

import pytest

from distillkit.config.load import load_pipeline

PIQA_ROW = {"goal": "To dry wet shoes,", "sol1": "stuff them with newspaper.", "sol2": "put them in the freezer."}
RIDDLE_ROW = {"question": "What has keys but opens no locks?", "answerKey": "B",
              "choices": {"label": ["A", "B", "C"], "text": ["a door", "a piano", "a map"]}}


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("config", "row", "gold", "choices"), [
    ("piqa", {**PIQA_ROW, "label": 0}, "stuff them with newspaper.", ("stuff them with newspaper.", "put them in the freezer.")),
    ("riddlesense", RIDDLE_ROW, "a piano", ("a door", "a piano", "a map")),
])
def test_paper_config_reads_its_hub_schema(registry, tmp_path, config, row, gold, choices):
    train = [{**row, "question" if "question" in row else "goal": f"{i}: {row.get('question') or row['goal']}"}
             for i in range(20)]
    files = {"train": write_jsonl(tmp_path / "train.jsonl", train),
             "validation": write_jsonl(tmp_path / "validation.jsonl", [row] * 1)}
    overrides = ["task.path=null", "task.revision=null", f"task.data_files={json.dumps(files)}"]
    p = load_pipeline(f"configs/tinyllm/paper_{config}_flan_t5.yaml", registry, overrides)
    splits = p.task.load()
    assert len(splits.test) == 1  # the source's validation split (test labels are hidden upstream)
    assert len(splits.train) + len(splits.validation) == 20 and splits.validation  # carved from train
    example = splits.test[0]
    assert example.answer == gold and tuple(example.choices) == choices
