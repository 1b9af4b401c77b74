"""hf_dataset with a hub id: the hub is replaced at the one call that reaches it (datasets.load_dataset)."""

from __future__ import annotations

import pytest

from distillkit.errors import DataError


def fake_hub_dataset():
    import datasets

    def rows(n, offset):
        return [{"id": f"r{offset + i}", "question": f"Is {offset + i} odd?", "label": (offset + i) % 2,
                 "explanation": f"{offset + i} mod 2 = {(offset + i) % 2}"} for i in range(n)]

    return datasets.DatasetDict({"train": datasets.Dataset.from_list(rows(8, 0)),
                                 "dev": datasets.Dataset.from_list(rows(3, 100)),
                                 "test": datasets.Dataset.from_list(rows(4, 200))})


def test_hub_id_subset_revision_and_split_mapping(registry, monkeypatch):
    import datasets

    calls = []

    def load_dataset(path, name=None, **kwargs):
        calls.append((path, name, kwargs))
        return fake_hub_dataset()

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    task = registry.create("task", "hf_dataset", path="someone/parity", subset="easy", revision="v1.0",
                           answer_format="yes_no", splits={"validation": "dev"},
                           columns={"question": "question", "answer": "label", "rationale": "explanation", "id": "id"},
                           licence="CC-BY-4.0")
    splits = task.load()
    assert calls == [("someone/parity", "easy", {"revision": "v1.0", "cache_dir": None})]
    assert splits.sizes() == {"train": 8, "validation": 3, "test": 4}
    assert [e.answer for e in splits.validation] == ["no", "yes", "no"]
    assert splits.test[1].rationale == "201 mod 2 = 1" and task.licence == "CC-BY-4.0"


def test_hub_split_not_found_lists_available(registry, monkeypatch):
    import datasets

    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: fake_hub_dataset())
    task = registry.create("task", "hf_dataset", path="someone/parity", answer_format="yes_no",
                           splits={"validation": "validation"}, columns={"answer": "label"})
    with pytest.raises(DataError, match=r"split 'validation' \(splits.validation\) not found; "
                                        r"available: \['dev', 'test', 'train'\]"):
        task.load()


def test_hub_bad_row_is_located_by_dataset_and_split(registry, monkeypatch):
    import datasets

    broken = datasets.DatasetDict({"train": datasets.Dataset.from_list([{"question": "Q?", "label": "perhaps"}])})
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: broken)
    task = registry.create("task", "hf_dataset", path="someone/parity", answer_format="yes_no", columns={"answer": "label"})
    with pytest.raises(DataError, match=r"someone/parity \[train\] row 1: field 'answer' = 'perhaps'"):
        task.load()


def test_hub_unreachable_says_why_and_what_to_do(registry):
    # conftest sets HF_DATASETS_OFFLINE=1: the real library refuses at once, as it would with no network
    task = registry.create("task", "hf_dataset", path="someone/not-cached-anywhere", answer_format="yes_no")
    with pytest.raises(DataError) as info:
        task.load()
    message = str(info.value)
    assert message.startswith("someone/not-cached-anywhere: cannot load from the Hugging Face hub")
    assert "HF_HUB_OFFLINE" in message and "local file or folder" in message
