"""on_policy's prompt_selector: a sample selector (here least_confidence from the ELAD plugin) picks which
prompts get on-policy feedback within a round; only those are sampled and scored, the choice is the
selector's own ranking under the student as the round starts, and it is saved for a resumed run."""

from __future__ import annotations

import json
import random

import pytest
from distillkit_plugins.hf.teacher import HFTeacher
from distillkit_plugins.hf.tiny import tiny_student
from distillkit_plugins.on_policy.loss import OnPolicy
from distillkit_plugins.training.toy import toy_task
from distillkit_plugins.training.trainer import AccelerateTrainer

from distillkit.components import SelectionContext, TrainJob
from distillkit.config.load import load_pipeline
from distillkit.errors import ConfigError
from tests.test_on_policy import PIPELINE, _sharp_teacher

pytestmark = pytest.mark.usefixtures("one_thread")
END = "teachers: [{id: big}]}"  # the end of PIPELINE's loss line, where options are added
# scored by the student's confidence in its own explanation: distinct scores even for an untrained
# tiny student (ELAD's answer entropies all tie at 0 there, so the ranking would be a coin toss)
SELECTOR = {"type": "least_confidence", "confidence_of": "explanation", "max_new_tokens": 8}


class _Recording(HFTeacher):
    """An hf teacher that remembers the prompts it was asked to score."""

    asked: list

    def score(self, prompts, completions, *, top_k=0):
        self.asked = getattr(self, "asked", []) + list(prompts)
        return super().score(prompts, completions, top_k=top_k)


def test_only_the_selected_prompts_are_sampled_and_scored(tmp_path, registry):
    teacher = _Recording(model=_sharp_teacher(tmp_path / "teacher"), batch_size=8)
    task = toy_task(8)
    loss = OnPolicy(teachers=[{"id": "t"}], max_new_tokens=8, prompt_selector=SELECTOR, selected_prompts=2)
    examples = task.load().train
    views = [v for e in examples for v in loss.views(e, {}, task)]
    loss.bind_teachers({"t": teacher})
    AccelerateTrainer(max_steps=3, batch_size=4, learning_rate=1e-3, save_every=None, progress=False).train(
        TrainJob(student=tiny_student(), loss=loss, views=views, evaluate=dict, out_dir=tmp_path / "train",
                 seed=3)
    )
    saved = json.loads((tmp_path / "train" / "on_policy_prompts.json").read_text())
    prompts = {loss.inference_prompt(e, task): e.id for e in examples}
    assert len(saved["prompts"]) == 2 and set(saved["prompts"]) <= set(prompts)
    assert set(teacher.asked) == set(saved["prompts"])  # every scored sample came from the choice
    assert loss.teacher_spend()["selected_prompt_samples"] == 3 * 4
    assert loss._selection.seed == "0:3"  # the loss's seed and the trainer's, known before choosing
    # the choice is the selector's own top 2 under the student as training started
    fresh = tiny_student()
    fresh.load()
    ctx = SelectionContext(round=0, task=task, rng=random.Random("0:3"), student=fresh,  # seed:job seed
                           inference_prompt=lambda e: loss.inference_prompt(e, task))
    options = {k: v for k, v in SELECTOR.items() if k != "type"}
    ranked = registry.create("selector", "least_confidence", **options).select(examples, None, ctx)
    assert len({s.score for s in ranked}) == len(examples)  # no ties: the top 2 are the selector's
    assert [s.example.id for s in ranked[:2]] == [prompts[p] for p in saved["prompts"]]
    teacher.close()


def test_prompt_selector_is_validated(registry):
    base = PIPELINE % ("hf", "", "{type: hf, model: some/teacher}")
    for loss, expected in (
        ("prompt_selector: {type: no_such}, selected_prompts: 4", "loss.prompt_selector.type"),
        ("prompt_selector: {type: elad, lam: 2}, selected_prompts: 4", "loss.prompt_selector.lam"),
        ("prompt_selector: {type: elad}", "prompt_selector and selected_prompts go together"),
    ):
        with pytest.raises(ConfigError) as err:
            load_pipeline(None, registry, text=base.replace(END, f"teachers: [{{id: big}}], {loss}}}"))
        assert expected in err.value.render().replace("[", ".").replace("]", ""), err.value.render()
    ok = base.replace(END, "teachers: [{id: big}], prompt_selector: {type: elad}, selected_prompts: 4}")
    assert load_pipeline(None, registry, text=ok).loss.options.selected_prompts == 4


def test_a_saved_choice_is_reused_without_asking_the_selector_again(tmp_path):
    from distillkit_plugins.on_policy.prompt_selection import SAVED, PromptSelection

    (tmp_path / SAVED).write_text(json.dumps({"prompts": ["p1", "p2", "p3"]}))
    # a selector that cannot even be built: reading the saved choice must not need it
    chosen = PromptSelection({"type": "no_such"}, 3, seed=0).choose([], None, None, str, tmp_path)
    assert chosen == ["p1", "p2", "p3"]
    draw = PromptSelection({"type": "no_such"}, 3, seed=0)
    draw.prompts = chosen
    assert sorted(draw.draw(3, step=1, micro=1)) == chosen  # no repeats while the choice has enough
    assert draw.draw(2, step=4, micro=1) == draw.draw(2, step=4, micro=1)  # seeded per step
    assert len(draw.draw(5, step=1, micro=1)) == 5 and set(draw.draw(5, step=1, micro=1)) <= set(chosen)


def test_pipeline_rounds_select_then_choose_and_count_the_scoring(tmp_path, registry):
    """Across rounds the pipeline's selector labels examples; within each round prompt_selector picks
    among the labeled ones; the scoring calls are the run's teacher calls (score-only teacher)."""
    from distillkit.run.runner import run_pipeline

    folder = _sharp_teacher(tmp_path / "teacher")
    text = f"""
name: op-select
output_dir: {tmp_path / "run"}
task: {{type: synthetic_arithmetic, train_size: 6, validation_size: 2, test_size: 2}}
teachers:
  - {{id: big, type: hf, model: {folder}, max_new_tokens: 8, strategy: {{type: cot}}}}
student: {{type: hf, model: {folder}}}
loss: {{type: on_policy, teachers: [{{id: big}}], max_new_tokens: 6, selected_prompts: 2,
        prompt_selector: {{type: least_confidence, confidence_of: explanation, max_new_tokens: 6}}}}
trainer: {{type: accelerate, max_steps: 2, batch_size: 2, eval_every: 2, save_every: null, progress: false}}
evaluation: {{max_new_tokens: 6, baseline: false}}
selector: {{type: least_confidence, confidence_of: explanation, max_new_tokens: 6}}
rounds: {{count: 2, budget_per_round: 2}}
"""
    run_pipeline(load_pipeline(None, registry, text=text), registry)
    rounds, labeled = tmp_path / "run" / "rounds", set()
    for r in ("00", "01"):
        selected = (rounds / r / "selected.jsonl").read_text().splitlines()
        labeled |= {json.loads(line)["id"] for line in selected}
        saved = json.loads((rounds / r / "train" / "on_policy_prompts.json").read_text())
        assert len(saved["chosen"]) == 2 and {c["id"] for c in saved["chosen"]} <= labeled
    assert len(labeled) == 4
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    uses = [rnd["training_teacher_use"] for rnd in state["rounds"]]
    # round 1 samples afresh (another trainer seed), so it pays for new scores instead of cache hits
    assert all(u["selected_prompt_samples"] == 2 * 2 and u["calls"] > 0 and u["cost"] == 0.0 for u in uses)
    assert state["teacher_calls"] == sum(u["calls"] for u in uses)  # score-only teacher: no annotation
