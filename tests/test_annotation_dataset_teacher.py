"""The dataset teacher: a dataset's own explanations, or a file of rationales (e.g. a cache export)."""

from __future__ import annotations

import json

import pytest

from distillkit.annotation import AnnotationEngine, TeacherCache
from distillkit.errors import DataError
from distillkit.testing.server import FakeOpenAIServer
from distillkit.testing.toy_task import ToyParityTask, oracle_answer, prepared_strategy, toy_examples


def annotate(registry, teacher, examples, cache=None):
    return AnnotationEngine(cache, progress=False).annotate(
        teacher_id="ds", teacher=teacher, strategy=prepared_strategy(registry, "teacher_forcing_cot"),
        examples=examples, task=ToyParityTask(), filters=[])


def test_examples_own_rationales_as_teacher(registry, tmp_path):
    examples = toy_examples(3, with_rationale=True) + toy_examples(1, start=3)  # the last has none
    with TeacherCache(tmp_path / "c.sqlite") as cache:
        result = annotate(registry, registry.create("teacher", "dataset"), examples, cache)
        assert cache.stats()["entries"] == 0  # free answers are not cached (the data is the truth)
    assert [a.rationale for a in result.annotations[:3]] == [e.rationale for e in examples[:3]]
    assert result.annotations[3].status == "failed" and result.stats.failures_by_reason == {"missing": 1}


def test_jsonl_file_with_answer_column(registry, tmp_path):
    path = tmp_path / "r.jsonl"
    rows = [{"example_id": e.id, "rationale": f"Because {e.question}", "label": e.answer} for e in toy_examples(2)]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    teacher = registry.create("teacher", "dataset", path=str(path), answer_column="label")
    result = annotate(registry, teacher, toy_examples(3))
    assert [a.answer for a in result.annotations[:2]] == [e.answer for e in toy_examples(2)]
    assert result.annotations[0].rationale == "Because Is 3 even?"
    assert result.annotations[2].reason.startswith("missing: no 'rationale' for example 'q2'")


def test_cache_export_round_trips_through_the_dataset_teacher(registry, tmp_path):
    examples = toy_examples(4)
    with FakeOpenAIServer() as server, TeacherCache(tmp_path / "c.sqlite") as cache:
        remote = registry.create("teacher", "openai_compat", base_url=server.url, model="fake-model")
        first = annotate(registry, remote, examples, cache)
        for fmt in ("jsonl", "parquet"):
            out = tmp_path / f"export.{fmt}"
            assert cache.export(out) == 4
            offline = registry.create("teacher", "dataset", path=str(out), text_column="raw", teacher_id="ds")
            again = annotate(registry, offline, examples)
            assert [(a.rationale, a.answer) for a in again.annotations] == [(a.rationale, a.answer) for a in first.annotations]
    assert oracle_answer(examples[0].question).startswith(first.annotations[0].rationale)


def test_bad_files_are_located_errors(registry, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"example_id": "q0", "rationale": "ok"}\n{not json}\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2: not valid JSON"):
        registry.create("teacher", "dataset", path=str(bad)).setup()
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"example_id": "q0", "rationale": "a", "teacher_id": "x"}\n'
                   '{"example_id": "q0", "rationale": "b", "teacher_id": "y"}\n')
    with pytest.raises(DataError, match="appears twice; set teacher_id"):
        registry.create("teacher", "dataset", path=str(dup)).setup()
    nocol = tmp_path / "nocol.jsonl"
    nocol.write_text('{"id": "q0", "rationale": "a"}\n')
    with pytest.raises(DataError, match="row 1 has no column 'example_id'; columns: id, rationale"):
        registry.create("teacher", "dataset", path=str(nocol)).setup()
    with pytest.raises(DataError, match="no such file"):
        registry.create("teacher", "dataset", path=str(tmp_path / "nope.jsonl")).setup()


def test_released_rationales_are_kept_verbatim_and_never_shared_between_duplicate_questions(registry, tmp_path):
    """As the TinyLLM authors' released LLaMA-2 rationales are written: the instruction, a runaway
    "Q:" and an "answer is" mid-text must all survive; two items asking the same question keep their own."""
    same = "Which is a mammal? (a) shark (b) whale"
    first, second = (toy_examples(1, start=i)[0] for i in (0, 1))
    # same question, same gold answer: the teacher prompts are identical
    first, second = (type(first)(id=e.id, question=same, answer="yes") for e in (first, second))
    texts = {first.id: "Let's think step by step. A whale breathes air, so the answer is whale. Sharks have gills."
                       "\nQ: what about dolphins?\nSo the answer is no.",
             second.id: "Let's think step by step. Whales nurse their young.\nSo the answer is yes."}
    path = tmp_path / "released.jsonl"
    path.write_text("".join(json.dumps({"example_id": k, "rationale": v}) + "\n" for k, v in texts.items()))
    result = annotate(registry, registry.create("teacher", "dataset", path=str(path)), [first, second])
    assert [a.rationale for a in result.annotations] == [texts[first.id], texts[second.id]]
    assert [a.answer for a in result.annotations] == ["no", "yes"]  # read from the last statement, text untouched
    assert result.stats.ok == 2
