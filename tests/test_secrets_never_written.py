"""A planted key never reaches a file a run writes, nor stdout/stderr.

Keys are planted everywhere a user could put one: credentials in ``base_url`` (a run that
succeeds and one whose every request fails, so the URL lands in failure reasons), the
environment variable named by ``api_key_env``, a ``-o`` override, and a key pasted into
``api_key_env`` itself (refused at validation without being echoed).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from distillkit.cli.main import main
from distillkit.testing.server import FakeOpenAIServer

URL_KEY = "sk-urlcredential0123456789abcdef"  # in base_url: http://user:KEY@host
URL_USER_KEY = "Zq8xUserNamedKey77Aa"  # a key used as the user name part
ENV_KEY = "envSecretValue-9f8e7d6c5b4a"  # the value of the variable api_key_env names (no known shape)
PASTED_KEY = "sk-pastedintoapikeyenv0123456789"  # pasted where the NAME of a variable belongs
OVERRIDE_KEY = "hf_overrideTokenAbCdEfGhIjKlMnOp"  # passed on the command line
KEYS = (URL_KEY, URL_USER_KEY, ENV_KEY, PASTED_KEY, OVERRIDE_KEY)

PIPELINE = """\
name: {name}
task: {{type: synthetic_arithmetic, train_size: 4, validation_size: 2, test_size: 2}}
teachers:
  - id: api
    type: openai_compat
    base_url: {url}
    model: fake-model
    api_key_env: DK_TEST_PLANTED
    max_retries: 0
    timeout_s: 5
    strategy: {{type: teacher_forcing_cot}}
student:
  type: hf
  tokenizer: byte
  config: {{model_type: llama, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1,
           num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 128}}
  max_length: 96
loss:
  type: multitask_rationale
  rationales: [{{teacher: api, prefix: "explain: "}}]
trainer: {{type: accelerate, max_steps: 1, batch_size: 2, eval_every: 1, progress: false}}
evaluation: {{max_new_tokens: 4, teachers: true}}
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code


def _leaks(root: Path, text: str) -> list[str]:
    found = [f"output: {k}" for k in KEYS if k in text]
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {k}" for k in KEYS if k.encode() in data]
    return found


@pytest.mark.usefixtures("one_thread")
def test_planted_keys_appear_in_no_file_and_no_output(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("DK_TEST_PLANTED", ENV_KEY)
    monkeypatch.chdir(tmp_path)
    with FakeOpenAIServer() as server:
        port = server.url.split(":")[2].split("/")[0]
        good = tmp_path / "good.yaml"
        good.write_text(PIPELINE.format(name="good", url=f"http://user:{URL_KEY}@127.0.0.1:{port}/v1"))
        assert _run(["run", str(good), "-o", f"description=token {OVERRIDE_KEY}"]) == 0
        assert sum(server.stats.answered.values()) > 0  # the run really asked the teacher
        assert server.stats.auth_headers  # and sent credentials, which must not come back in any file
    dead = tmp_path / "dead.yaml"  # every request fails: the URL is quoted in each failure reason
    dead.write_text(PIPELINE.format(name="dead", url=f"http://{URL_USER_KEY}:{URL_KEY}@127.0.0.1:{_closed_port()}/v1"))
    assert _run(["run", str(dead)]) == 0
    pasted = tmp_path / "pasted.yaml"
    pasted.write_text(PIPELINE.format(name="pasted", url="http://127.0.0.1:1/v1").replace(
        "api_key_env: DK_TEST_PLANTED", f"api_key_env: {PASTED_KEY}"))
    assert _run(["run", str(pasted)]) == 2
    assert _run(["validate", str(good), "-o", f"teachers[0].api_key_env={PASTED_KEY}"]) == 2
    out, err = capfd.readouterr()
    for config in (good, dead, pasted):  # the configs are the user's own files: not the run's output
        config.unlink()
    runs = tmp_path / "runs"
    assert (runs / "good" / "report.md").exists() and (runs / "dead" / "report.md").exists()
    assert "connection" in (runs / "dead" / "report.md").read_text()  # the failures are there, redacted
    assert "***@127.0.0.1" in (runs / "good" / "config.resolved.yaml").read_text()
    assert "api_key_env" in err and "NAME of an environment variable" in err
    assert _leaks(tmp_path, out + err) == []
