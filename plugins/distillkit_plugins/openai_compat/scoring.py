"""``Teacher.score`` through a server: vLLM's ``prompt_logprobs`` on ``/v1/completions``.

Per (prompt, completion): the server tokenizes both (``POST /tokenize`` at the server root: the prompt
as a chat turn with the generation prompt for ``api: chat``, else as plain text; the completion
without special tokens), then scores ``prompt ids + completion ids`` sent as a token-id prompt
with ``max_tokens: 1`` and ``prompt_logprobs: top_k``. The last ``len(completion ids)`` entries of
``choices[0].prompt_logprobs`` (one ``{token id: {logprob, rank, decoded_token}}`` per prompt token,
holding the actual token and the top-k) are the completion's scores. A server that answers without
``prompt_logprobs`` (llama-server, OpenAI) cannot score: a ``TeacherError`` says so.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from distillkit.errors import TeacherError, TransientTeacherError
from distillkit.types import TokenLogprobs
from distillkit_plugins.openai_compat.responses import cost_of, raise_for_status

CANNOT = (
    "the server returned no prompt_logprobs, so it cannot score given text (vLLM can; llama-server "
    "and OpenAI cannot)"
)


def _root(url: str) -> str:
    return url[: -len("/v1")] if url.rstrip("/").endswith("/v1") else url


async def _post(teacher: Any, client: Any, url: str, body: dict[str, Any]) -> Any:
    import httpx

    try:
        resp = await asyncio.wait_for(client.post(url, json=body), teacher.options.timeout_s)
    except (asyncio.TimeoutError, httpx.TimeoutException):
        raise TransientTeacherError(f"timeout: scoring (POST {url})") from None
    except httpx.RequestError as exc:
        raise TransientTeacherError(f"connection: {type(exc).__name__}: {exc} (POST {url})") from None
    raise_for_status(resp.status_code, resp.content, resp.headers.get("retry-after"), f"POST {url}")
    try:
        return json.loads(resp.content)
    except ValueError:
        raise TransientTeacherError(f"malformed response: not JSON (POST {url})") from None


async def score_one(
    teacher: Any, client: Any, url: str, prompt: str, completion: str, top_k: int
) -> TokenLogprobs:
    o = teacher.options
    root = _root(url)
    if o.api == "chat":
        system = [{"role": "system", "content": o.system_prompt}] if o.system_prompt else []
        ask = {
            "model": o.model,
            "messages": system + [{"role": "user", "content": prompt}],
            "add_generation_prompt": True,
        }
    else:
        ask = {"model": o.model, "prompt": prompt}
    prompt_ids = (await _post(teacher, client, root + "/tokenize", ask))["tokens"]
    ids = (
        await _post(
            teacher,
            client,
            root + "/tokenize",
            {"model": o.model, "prompt": completion, "add_special_tokens": False},
        )
    )["tokens"]
    if not completion:
        return TokenLogprobs(
            [], [], tokens=[], top_ids=[] if top_k else None, top_logprobs=[] if top_k else None
        )
    if not ids:  # llama-server's /tokenize reads another field and answers [] instead of an error
        raise TeacherError(
            f"teacher {o.model!r}: {CANNOT} (its /tokenize returned no tokens for the completion)"
        )
    body = {
        "model": o.model,
        "prompt": list(prompt_ids) + list(ids),
        "max_tokens": 1,
        "temperature": 0.0,
        "prompt_logprobs": top_k,
    }
    data = await _post(teacher, client, url + "/completions", body)
    rows = (data.get("choices") or [{}])[0].get("prompt_logprobs")
    if not rows:
        raise TeacherError(f"teacher {o.model!r}: {CANNOT}")
    rows = rows[-len(ids) :]
    # priced like a generation: the server read prompt + completion and wrote one token
    usage = data.get("usage") or {}
    cost = cost_of(
        usage.get("prompt_tokens", len(prompt_ids) + len(ids)), usage.get("completion_tokens", 1), o.prices
    )
    logprobs, tokens, top_ids, top_lps = [], [], [], []
    for tok, row in zip(ids, rows):
        entry = (row or {}).get(str(tok))
        if entry is None:
            raise TeacherError(f"teacher {o.model!r}: prompt_logprobs lacks the scored token {tok}")
        logprobs.append(float(entry["logprob"]))
        tokens.append(entry.get("decoded_token") or "")
        best = sorted(((v.get("rank") or 10**9, int(k), float(v["logprob"])) for k, v in row.items()))
        best = [b for b in best if b[0] <= top_k][:top_k]
        top_ids.append([b[1] for b in best])
        top_lps.append([b[2] for b in best])
    return TokenLogprobs(
        list(ids),
        logprobs,
        tokens=tokens,
        top_ids=top_ids if top_k else None,
        top_logprobs=top_lps if top_k else None,
        cost=cost,
    )


async def score_all(
    teacher: Any, client: Any, url: str, prompts: list[str], completions: list[str], top_k: int
) -> list[TokenLogprobs]:
    gate = asyncio.Semaphore(teacher.options.max_concurrency)

    async def one(p: str, c: str) -> TokenLogprobs:
        async with gate:
            return await score_one(teacher, client, url, p, c, top_k)

    return list(await asyncio.gather(*(one(p, c) for p, c in zip(prompts, completions))))
