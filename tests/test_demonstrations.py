"""In-context demonstrations for any dataset: gold, file, bootstrapped by the teacher, question + answer."""

from __future__ import annotations

import json

import pytest

from distillkit.annotation.cache import TeacherCache
from distillkit.annotation.engine import AnnotationEngine
from distillkit.components import StrategyContext, Teacher
from distillkit.config.load import load_pipeline
from distillkit.errors import ConfigError
from distillkit.testing.toy_task import ToyParityTask, toy_examples
from distillkit.types import Generation

TRAIN = toy_examples(12, prefix="t")  # no rationales: the data has none


class ParityTeacher(Teacher):
    """Explains parity; states the wrong answer for the numbers in ``wrong`` (its prompts are recorded)."""

    name = "parity_test"

    def __init__(self, wrong=(), **kw):
        super().__init__(**kw)
        self.wrong, self.prompts = set(wrong), []

    def generate_request(self, request):
        self.prompts.append(request.prompt)
        ex = request.example
        answer = ex.answer if ex.id not in self.wrong else {"yes": "no", "no": "yes"}[ex.answer]
        return Generation(text=f"Look at the last digit of the number in '{ex.question}'.\nSo the answer is {answer}.")


def _bootstrap_and_annotate(registry, tmp_path, teacher, train=TRAIN, **options):
    strategy = registry.create("strategy", "teacher_forcing_cot", **options)
    task = ToyParityTask()
    strategy.prepare(StrategyContext(task, train, seed=0))
    engine = AnnotationEngine(TeacherCache(tmp_path / "cache.sqlite"), progress=False)

    def ask(strat, examples):
        return engine.annotate(teacher_id="t/demonstrations", teacher=teacher, strategy=strat, examples=examples,
                               task=task, filters=[]).annotations

    strategy.bootstrap(ask)
    items = toy_examples(3, start=100)
    result = engine.annotate(teacher_id="t", teacher=teacher, strategy=strategy, examples=items, task=task, filters=[])
    return strategy, result


def test_auto_bootstraps_demonstrations_from_the_teacher_when_the_data_has_no_rationales(registry, tmp_path):
    wrong = {e.id for e in TRAIN[:6]}  # half the pool states the wrong answer: never shown as a demo
    teacher = ParityTeacher(wrong=wrong)
    _, result = _bootstrap_and_annotate(registry, tmp_path, teacher, k=2, demonstrations={"pool": 12})
    zero_shot, asked = teacher.prompts[:12], teacher.prompts[12:]
    assert all(p.count("Question:") == 1 for p in zero_shot)  # bootstrap prompts have no demonstrations
    assert len(asked) == 3 and all(p.count("Question:") == 3 for p in asked)
    shown = " ".join(asked)
    assert "Look at the last digit" in shown
    for ex in TRAIN:
        if ex.question in shown:
            assert ex.id not in wrong, f"{ex.id} contradicted the gold answer but was shown as a demonstration"
    assert all(a.ok for a in result.annotations)


def test_bootstrapped_demonstrations_come_from_the_cache_on_rerun(registry, tmp_path):
    _bootstrap_and_annotate(registry, tmp_path, ParityTeacher(), k=2)
    again = ParityTeacher()
    _, result = _bootstrap_and_annotate(registry, tmp_path, again, k=2)
    assert again.prompts == [] and result.stats.cache_hits == 3  # same demos, same prompts, nothing paid twice


def test_bootstrap_that_keeps_nothing_falls_back_to_question_and_answer(registry, tmp_path, capsys):
    teacher = ParityTeacher(wrong={e.id for e in TRAIN})
    _, result = _bootstrap_and_annotate(registry, tmp_path, teacher, k=2, demonstrations={"pool": 4})
    prompt = result.annotations[0].prompt
    assert prompt.count("Question:") == 3 and prompt.count("Rationale:") == 1  # demos show their answers only
    assert "none of 4 teacher rationales was usable" in capsys.readouterr().err


def test_question_answer_demonstrations_show_answers_without_rationales(registry):
    strategy = registry.create("strategy", "teacher_forcing_cot", k=2, demonstrations={"source": "question_answer"})
    strategy.prepare(StrategyContext(ToyParityTask(), toy_examples(6, with_rationale=True), seed=0))
    blocks = strategy.build_prompt(toy_examples(1, start=50)[0]).split("\n\n")
    assert len(blocks) == 3 and all("Rationale" not in b and "\nAnswer:\n" in b for b in blocks[:2])
    assert not any("divided" in b for b in blocks[:2])  # the data's rationales are not shown


def test_auto_uses_gold_rationales_when_the_data_has_them(registry):
    strategy = registry.create("strategy", "cot", few_shot=1, answer_hint="")
    train = toy_examples(6, with_rationale=True, prefix="g")
    strategy.prepare(StrategyContext(ToyParityTask(), train, seed=0))
    demo = strategy.build_prompt(toy_examples(1, start=50)[0]).split("\n\n")[0]
    assert any(e.rationale in demo for e in train)


def _demo_file(tmp_path, rows):
    path = tmp_path / "demos.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_demonstrations_file(registry, tmp_path):
    path = _demo_file(tmp_path, [
        {"question": "Is 10 even?", "answer": "yes", "rationale": "10 ends in 0, an even digit."},
        {"question": "Is 11 even?", "answer": "no", "rationale": "11 ends in 1, an odd digit."},
    ])
    strategy = registry.create("strategy", "teacher_forcing_cot", k=2,
                               demonstrations={"source": "file", "path": str(path)})
    strategy.prepare(StrategyContext(ToyParityTask(), TRAIN, seed=0))
    prompt = strategy.build_prompt(TRAIN[0])
    assert "an even digit." in prompt and "an odd digit." in prompt


PIPELINE = """
name: demos
task: {{type: {task}}}
teachers:
  - id: t
    type: synthetic_solver
    strategy: {{type: teacher_forcing_cot, k: 2, demonstrations: {demos}}}
student: {{type: hf, tokenizer: byte, config: {{model_type: llama, hidden_size: 16, intermediate_size: 32,
           num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1}}}}
loss: {{type: cot_sft}}
"""


def _problems(registry, task, demos):
    with pytest.raises(ConfigError) as err:
        load_pipeline(None, registry, text=PIPELINE.format(task=task, demos=demos))
    return {p.location: p for p in err.value.problems}


def test_validate_rejects_gold_demonstrations_on_a_dataset_without_rationales(registry):
    problems = _problems(registry, "commonsense_qa", "{source: gold}")
    (where,) = problems
    assert where.endswith("teachers[0].strategy.demonstrations.source") and "has none" in problems[where].message


@pytest.mark.parametrize("rows, needle", [
    ([{"question": "q", "answer": "a"}], "rationale missing or empty"),
    ([{"question": "q", "answer": "a", "rationale": "r"}], "1 demonstration(s)"),  # fewer than k=2
    ([], "has no rows"),
])
def test_validate_rejects_a_demonstrations_file_that_cannot_serve(registry, tmp_path, rows, needle):
    path = _demo_file(tmp_path, rows)
    problems = _problems(registry, "synthetic_arithmetic", f"{{source: file, path: '{path}'}}")
    (where,) = problems
    assert where.endswith("teachers[0].strategy.demonstrations.path") and needle in problems[where].message


def test_validate_rejects_a_missing_demonstrations_file_and_a_path_without_file_source(registry, tmp_path):
    missing = _problems(registry, "synthetic_arithmetic", f"{{source: file, path: '{tmp_path / 'nope.jsonl'}'}}")
    assert any("not found" in p.message for p in missing.values())
    stray = _problems(registry, "synthetic_arithmetic", "{source: gold, path: x.jsonl}")
    assert any("read only with source 'file'" in p.message for p in stray.values())
