"""The ``tinyllm_released`` task and two ``dataset`` teachers, on a fixture in the TinyLLM authors' format.

tests/fixtures/tinyllm_released/datasets/obqa/ is written for these tests (invented questions) in
the layout of the authors' repository: <name>_{train,valid,test}.json as JSON lines and the
released rationales as JSON arrays of strings in llm/train_CoT_<k>.json batches.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from distillkit_plugins.tasks.tinyllm_released import META_FIRST, META_LABEL, META_LLAMA, parse_entry

from distillkit.config.load import load_pipeline
from distillkit.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "tinyllm_released"
CONFIG = ROOT / "configs" / "tinyllm" / "paper_released_rationales_obqa.yaml"


def _task(registry, root, **options):
    return registry.create("task", "tinyllm_released", root=str(root), dataset="obqa", **options)


def test_parse_entry_splits_both_teachers_question_and_label():
    e = parse_entry("Copper is a metal.\nMetals conduct. Thus, the answer is (a) a copper wire\n\n"
                    "Q: Which conducts?\nAnswer Choices:\n(a) a copper wire\n(b) wool "
                    "llama rationale: Let's think step by step. Q: x")
    assert e.rationale == "Copper is a metal.\nMetals conduct."
    assert e.label == "a copper wire" and e.question == "Which conducts?"
    assert e.llama == "Let's think step by step. Q: x"  # kept verbatim, runaway text and all
    bare = parse_entry("Just text, no markers")
    assert (bare.rationale, bare.label, bare.question, bare.llama) == ("Just text, no markers", None, None,
                                                                        None)
    empty = parse_entry("R. Thus, the answer is (b) b\n\nQ: q\nAnswer Choices:\n(a) a\n(b) b "
                        "llama rationale:   ")
    assert empty.llama is None and empty.rationale == "R."


@pytest.mark.parametrize("root", [FIXTURE, FIXTURE / "datasets"])
def test_loads_questions_and_attaches_both_released_rationales_in_row_order(registry, root):
    task = _task(registry, root)
    splits = task.load()
    assert splits.sizes() == {"train": 6, "validation": 2, "test": 2}
    first = splits.train[0]
    assert first.question == "A plant placed in a dark closet will" and first.answer == "turn pale"
    assert first.choices == ("grow faster", "turn pale", "bloom at once", "become metal")
    assert first.meta[META_FIRST].startswith("Plants need light") and "Thus" not in first.meta[META_FIRST]
    assert first.meta[META_LLAMA].startswith("Let's think step by step.\nA dark closet")
    assert first.meta[META_LABEL] == "turn pale"
    # entry 4 (the second file, CoT_1, entry 0) belongs to train row 5
    assert splits.train[4].meta[META_FIRST].startswith("The moon makes no light")
    assert task.released_stats == {"train_rows": 6, "released_entries": 6, "with_rationale": 6,
                                   "with_llama_rationale": 6}
    assert all(not e.meta for e in splits.validation + splits.test)  # only train is explained
    assert task.answer_format.is_correct("turn pale", first)
    assert task.student_input(first).startswith("A plant placed in a dark closet will")


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "clone")
    return tmp_path / "clone" / "datasets" / "obqa"


def test_misaligned_or_broken_files_are_located_errors(registry, tmp_path):
    folder = _copy(tmp_path)
    batch = folder / "llm" / "train_CoT_0.json"
    entries = json.loads(batch.read_text())
    entries[0], entries[1] = entries[1], entries[0]
    batch.write_text(json.dumps(entries))
    with pytest.raises(DataError, match=r"train_CoT_0.json entry 0: its question 'Which of these conducts"):
        _task(registry, tmp_path / "clone").load()
    assert _task(registry, tmp_path / "clone", check_alignment=False).load().sizes()["train"] == 6
    (folder / "llm" / "train_CoT_1.json").rename(folder / "llm" / "train_CoT_2.json")
    with pytest.raises(DataError, match=r"batches \[0, 2\] are not 0..1: one is missing"):
        _task(registry, tmp_path / "clone").load()
    (folder / "llm" / "train_CoT_2.json").rename(folder / "llm" / "train_CoT_1.json")
    (folder / "llm" / "train_CoT_1.json").write_text("{not json")
    with pytest.raises(DataError, match="not a JSON file"):
        _task(registry, tmp_path / "clone").load()
    with pytest.raises(DataError, match="no obqa/obqa_train.json in it or in its datasets/ folder"):
        _task(registry, tmp_path / "elsewhere").load()


def _drop_llama(folder: Path, batch: int, index: int, keep_mark: bool) -> None:
    path = folder / "llm" / f"train_CoT_{batch}.json"
    entries = json.loads(path.read_text())
    head = entries[index].split(" llama rationale:")[0]
    entries[index] = head + (" llama rationale:   " if keep_mark else "")
    path.write_text(json.dumps(entries))


def test_a_missing_or_empty_llama_part_gives_no_rationale_never_an_empty_one(registry, tmp_path):
    folder = _copy(tmp_path)
    _drop_llama(folder, 0, 2, keep_mark=False)
    _drop_llama(folder, 1, 0, keep_mark=True)
    task = _task(registry, tmp_path / "clone")
    train = task.load().train
    assert META_LLAMA not in train[2].meta and META_LLAMA not in train[4].meta
    assert train[2].meta[META_FIRST] and task.released_stats["with_llama_rationale"] == 4


def test_fewer_released_entries_than_rows_keeps_the_covered_rows(registry, tmp_path):
    folder = _copy(tmp_path)
    (folder / "llm" / "train_CoT_1.json").unlink()  # as the authors' loader: train = rows the batches cover
    task = _task(registry, tmp_path / "clone")
    assert task.load().sizes()["train"] == 4 and task.released_stats["train_rows"] == 6


def test_the_shipped_config_trains_on_both_released_teachers(registry, tmp_path):
    from distillkit_plugins.hf.tiny import TINY_T5

    from distillkit.run.runner import run_pipeline

    folder = _copy(tmp_path)
    _drop_llama(folder, 0, 2, keep_mark=False)
    _drop_llama(folder, 1, 0, keep_mark=True)
    student = {"type": "hf", "tokenizer": "byte", "config": TINY_T5, "max_length": 256}
    overrides = [f"output_dir={tmp_path / 'run'}", f"task.root={tmp_path / 'clone' / 'datasets'}",
                 f"student={json.dumps(student)}", "trainer.max_steps=2", "trainer.batch_size=2",
                 "trainer.grad_accum=1", "trainer.eval_every=1", "trainer.save_every=null",
                 "trainer.progress=false",
                 "evaluation.max_new_tokens=8"]
    p = load_pipeline(CONFIG, registry, overrides)
    run_pipeline(p, registry)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    annotation = metrics["rounds"][0]["annotation"]
    assert annotation["flan_t5_xl"]["ok"] == 6 and annotation["llama2_chat"]["ok"] == 4
    assert annotation["llama2_chat"]["failed"] == 2  # no released LLaMA part for two rows: counted, not empty
    state = json.loads((tmp_path / "run" / "state.json").read_text())["rounds"][0]
    assert state["views_by_component"] == {"answer": 6, "rationale:flan_t5_xl": 6, "rationale:llama2_chat": 4}
    assert metrics["final"]["test"]["n"] == 2
