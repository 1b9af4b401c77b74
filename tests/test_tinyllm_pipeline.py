"""The quickstart pipeline end to end in seconds: the same config, with tiny models in place of SmolLM2."""

import json
import re
from pathlib import Path

from distillkit_plugins.hf.tiny import TINY_LLAMA, tiny_student

from distillkit.config.load import load_pipeline
from distillkit.run.runner import run_pipeline

QUICKSTART = "configs/tinyllm/quickstart.yaml"


def test_quickstart_pipeline_on_tiny_models(registry, tmp_path):
    teacher_dir = tmp_path / "tiny-teacher"
    tiny_student().save(teacher_dir)  # a random 2-layer llama over bytes stands in for SmolLM2
    config = json.dumps(TINY_LLAMA)
    overrides = [
        f"output_dir={tmp_path / 'run'}", f"teachers[0].model={teacher_dir}", "teachers[0].max_new_tokens=24",
        "task.train_size=12", "task.validation_size=4", "task.test_size=6",
        "student.init_from=null", "student.keep_layers=null", f"student.config={config}",
        "trainer.max_steps=4", "trainer.eval_every=2", "trainer.save_every=2", "trainer.progress=false",
    ]
    p = load_pipeline(QUICKSTART, registry, overrides)
    run_pipeline(p, registry)
    out = tmp_path / "run"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["final"]["test"]["n"] == 6 and 0.0 <= metrics["final"]["test"]["accuracy"] <= 1.0
    annotation = metrics["rounds"][0]["annotation"]
    assert set(annotation) == {"smollm2", "solver"}
    solver = annotation["solver"]
    # rationales whose answer is not the gold one are dropped (the solver slips on 10% of steps), and counted
    assert solver["ok"] + sum(solver["filter_drops_by_reason"].values()) == 12 and solver["ok"] >= 6
    assert annotation["smollm2"]["calls"] == 12
    assert set(metrics["teachers_test"]) == {"smollm2", "solver"}
    assert metrics["teachers_test"]["solver"]["accuracy"] >= 0.5  # a 10%-per-step-error oracle
    round0 = json.loads((out / "state.json").read_text())["rounds"][0]
    by_component, skipped = round0["views_by_component"], round0["views_skipped"]
    assert by_component["answer"] == 12 and by_component["rationale:solver"] == solver["ok"]
    # every smollm2 rationale either became a view or is counted with its reason
    smollm2_skipped = sum(n for k, n in skipped.items() if k.startswith("smollm2:"))
    assert by_component.get("rationale:smollm2", 0) + smollm2_skipped == 12, (by_component, skipped)
    assert round0["views"] == sum(by_component.values())
    history = round0["train"]["history"]
    components = {k for row in history for k in row if k.startswith("loss/")}
    assert {"loss/answer"} <= components and any("solver" in c for c in components), components
    assert (out / "student" / "config.json").exists() and (out / "student" / "README.md").exists()
    report = (out / "report.md").read_text()
    assert "Example rationales" in report and "loss_curves.png" in report
    assert f"rationale:solver {solver['ok']}" in report
    from transformers import AutoModelForCausalLM

    assert AutoModelForCausalLM.from_pretrained(out / "student").config.num_hidden_layers == 2


def test_the_pipeline_in_the_tinyllm_doc_validates(registry):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "tinyllm.md").read_text()
    (block,) = re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL)
    p = load_pipeline(None, registry, text=block)
    assert [t.id for t in p.teachers] == ["flan", "llama"] and p.loss.teacher_ids() == ["flan", "llama"]
