"""No run fails after its first paid teacher call for a reason validation could have known.

Each value below used to validate and then fail mid-run (after annotation, or with tracebacks
from the HTTP client). Now ``distillkit run`` refuses it at validation: exit 2, a located
message, and the (fake, paid) teacher server never sees a request.
"""

from __future__ import annotations

import pytest

from distillkit.testing.server import FakeOpenAIServer
from tests.hostile import fails_cleanly

PIPELINE = """\
name: paid-run
seed: 0
task: {{type: synthetic_arithmetic, train_size: 8, validation_size: 4, test_size: 4}}
teachers:
  - id: api
    type: openai_compat
    base_url: {url}
    model: fake-model
    strategy: {{type: teacher_forcing_cot}}
student:
  type: hf
  tokenizer: byte
  config: {{model_type: llama, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1,
           num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 128}}
  max_length: 96
loss:
  type: multitask_rationale
  rationales: [{{teacher: api, prefix: "explain: ", weight: 1.0}}]
trainer: {{type: accelerate, max_steps: 2, batch_size: 4, learning_rate: 0.001, progress: false}}
"""

# value class -> (old text, new text, expected texts in the error)
CASES = {
    "negative_seed": ("seed: 0", "seed: -1", ["seed (", ":2:1", "greater than or equal to 0"]),
    "seed_too_large": ("seed: 0", "seed: 99999999999", ["seed (", "less than or equal to"]),
    "component_seed_negative": ("model: fake-model", "model: fake-model\n    seed: -3",
                                ["teachers[0].seed", "a seed must be between 0 and"]),
    "train_size_huge": ("train_size: 8", "train_size: 1.0e+12", ["task.train_size", ":3:",
                                                                 "less than or equal to 1000000"]),
    "learning_rate_inf": ("learning_rate: 0.001", "learning_rate: .inf", ["trainer.learning_rate", "finite number"]),
    "learning_rate_nan": ("learning_rate: 0.001", "learning_rate: .nan", ["trainer.learning_rate", "finite number"]),
    "rationale_weight_inf": ("weight: 1.0", "weight: .inf", ["loss.rationales[0].weight", "finite number"]),
    "temperature_nan": ("model: fake-model", "model: fake-model\n    temperature: .nan",
                        ["teachers[0].temperature", "finite number"]),
    "timeout_inf": ("model: fake-model", "model: fake-model\n    timeout_s: .inf", ["teachers[0].timeout_s", "finite"]),
    "max_cost_inf": ("seed: 0", "seed: 0\nrounds: {{max_cost: .inf}}", ["rounds.max_cost", "finite number"]),
    "port_too_large": ("base_url: {url}", "base_url: http://127.0.0.1:99999/v1", ["teachers[0].base_url",
                                                                               "invalid port", "1-65535"]),
    "port_not_a_number": ("base_url: {url}", "base_url: http://127.0.0.1:80a/v1", ["invalid port"]),
    "port_zero": ("base_url: {url}", "base_url: http://127.0.0.1:0/v1", ["port 0"]),
    "url_with_crlf": ("base_url: {url}", 'base_url: "{url}\\r\\nX-Injected: 1"', ["carriage return (CR)"]),
    "url_with_space": ("base_url: {url}", 'base_url: "http://127.0.0.1 :8000/v1"', ["a space"]),
    "url_without_host": ("base_url: {url}", 'base_url: "http://"', ["has no host name"]),
    "url_without_scheme": ("base_url: {url}", "base_url: 127.0.0.1:8000/v1", ["is not an http(s) URL"]),
    "url_with_query": ("base_url: {url}", 'base_url: "{url}?key=1"', ["?query or #fragment"]),
    "replica_list_bad_member": ("base_url: {url}", 'base_url: ["{url}", "http://:8000/v1"]', ["has no host name"]),
    "name_dot_dot": ("name: paid-run", 'name: ".."', ["name (", "would name the current or parent folder"]),
    "name_dot": ("name: paid-run", 'name: "."', ["would name the current or parent folder"]),
    "name_with_slash": ("name: paid-run", "name: ../escape", ["name (", "should match pattern"]),
    "teacher_id_dot_dot": ("- id: api", '- id: ".."', ["teachers[0].id", "current or parent folder"]),
    "pasted_key_in_api_key_env": ("model: fake-model", "model: fake-model\n    api_key_env: sk-abcdefghijklmnop0123456789",
                                  ["teachers[0].api_key_env", "NAME of an environment variable"]),
    "data_path_escaping_upward": ("task: {{type: synthetic_arithmetic, train_size: 8, validation_size: 4, test_size: 4}}",
                                  ("task: {{type: hf_dataset, path: ../../../../../../no/such/data.jsonl, "
                                   "answer_format: numeric}}"), ["task.path", "file or folder not found"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_validation_refuses_before_any_teacher_call(name, tmp_path, monkeypatch, capsys):
    old, new, expected = CASES[name]
    with FakeOpenAIServer() as server:
        good = PIPELINE.format(url=server.url)
        text = good.replace(old.format(url=server.url), new.format(url=server.url))
        assert text != good
        config = tmp_path / "pipeline.yaml"
        config.write_text(text)
        monkeypatch.chdir(tmp_path)
        err = fails_cleanly(["run", str(config)], capsys, "pipeline.yaml:", *expected)
        assert server.stats.requests == 0
    assert "sk-abcdefghijklmnop0123456789" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.yaml"]


def test_the_base_pipeline_validates(tmp_path, monkeypatch, capsys):
    from distillkit.cli.main import main

    (tmp_path / "pipeline.yaml").write_text(PIPELINE.format(url="http://user:pw@127.0.0.1:8000/v1"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["validate", "pipeline.yaml"])
    assert exc.value.code == 0, capsys.readouterr().err
