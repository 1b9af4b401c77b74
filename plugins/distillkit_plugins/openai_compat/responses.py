"""Reading OpenAI-style HTTP responses into ``Generation``s, or into the right teacher error.

Error messages start with a short category ("timeout", "http 429", "malformed response"...):
the annotation engine counts failures by it. They never contain request headers (the API key).
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

from distillkit.errors import TeacherError, TransientTeacherError
from distillkit.types import Generation

# 4xx worth retrying: request timeout, conflict (vLLM under load), too early, rate limited
RETRYABLE_4XX = frozenset({408, 409, 425, 429})
_SNIPPET = 300


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _server_message(body: bytes) -> str:
    try:
        data = json.loads(body)
        err = data.get("error", data) if isinstance(data, dict) else data
        msg = err.get("message", err) if isinstance(err, dict) else err
        return str(msg)[:_SNIPPET]
    except ValueError:
        return body[:_SNIPPET].decode("utf-8", "replace")


def raise_for_status(status: int, body: bytes, retry_after: str | None, where: str) -> None:
    """Map a non-2xx status to TransientTeacherError (429, 5xx, ...) or TeacherError (other 4xx)."""
    if 200 <= status < 300:
        return
    message = f"http {status}: {_server_message(body)} ({where})"
    if status >= 500 or status in RETRYABLE_4XX:
        raise TransientTeacherError(message, retry_after=parse_retry_after(retry_after))
    if status in (401, 403):
        message += "; check api_key_env names the variable holding a valid key"
    elif status == 404:
        message += "; check `model` is a name the server serves (GET /v1/models lists them)"
    raise TeacherError(message)


def _load(body: bytes, where: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise TransientTeacherError(f"malformed response: not JSON ({exc}) ({where})") from None
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list) or not data["choices"]:
        raise TransientTeacherError(f"malformed response: no `choices` list ({where})")
    return data


def _choice_text(choice: Any, chat: bool, where: str) -> str:
    try:
        text = choice["message"]["content"] if chat else choice["text"]
    except (KeyError, TypeError):
        raise TransientTeacherError(f"malformed response: a choice without {'message.content' if chat else 'text'} ({where})") from None
    if text is None:  # e.g. a refusal or tool call: retrying will not give text
        raise TeacherError(f"no text: the server returned a choice without content, finish_reason="
                           f"{choice.get('finish_reason')!r} ({where})")
    return str(text)


def check_model(answered: Any, requested: str | None, where: str) -> None:
    """Refuse an answer from another model than the one asked for (a misrouted proxy, a wrong
    replica): cached under the requested model's identity it would be trusted forever.

    Accepted: no ``model`` field, the same name, or the name followed by a version suffix as
    OpenAI ("gpt-4o" answered as "gpt-4o-2024-08-06") and Ollama ("llama3" as "llama3:latest") do.
    """
    if requested is None or not isinstance(answered, str) or not answered or answered == requested:
        return
    if answered.startswith(requested) and answered[len(requested)] in "-:@":
        return
    raise TeacherError(f"wrong model: asked for {requested!r}, the server answered as {answered!r} ({where}); "
                       "check base_url points at the server for this model, or set `model` to the served name")


def read_generations(body: bytes, *, chat: bool, prompts: int, n: int, prices: Any, where: str,
                     model: str | None = None) -> list[Generation]:
    """One Generation per prompt: the first of its ``n`` choices (choices are grouped by index).

    Token usage is the server's for the whole response (all ``n`` choices), split evenly over
    the prompts of a batched completions request. ``model``: the model requested; an answer
    naming another one is a ``TeacherError`` (see ``check_model``).
    """
    data = _load(body, where)
    check_model(data.get("model"), model, where)
    choices = sorted(data["choices"], key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0)
    if len(choices) < prompts:
        raise TransientTeacherError(f"malformed response: {len(choices)} choices for {prompts} prompts ({where})")
    per = max(1, len(choices) // prompts) if len(choices) >= prompts * n else 1
    usage = data.get("usage") or {}
    pt, ct = usage.get("prompt_tokens"), usage.get("completion_tokens")
    out = []
    for i in range(prompts):
        choice = choices[i * per]
        p_i = _share(pt, prompts, i)
        c_i = _share(ct, prompts, i)
        out.append(Generation(text=_choice_text(choice, chat, where), prompt_tokens=p_i, completion_tokens=c_i,
                              cost=cost_of(p_i, c_i, prices), finish_reason=choice.get("finish_reason")))
    return out


def _share(total: int | None, parts: int, i: int) -> int | None:
    if total is None:
        return None
    return total // parts + (1 if i < total % parts else 0)


def cost_of(prompt_tokens: int | None, completion_tokens: int | None, prices: Any) -> float | None:
    if prices is None or (prompt_tokens is None and completion_tokens is None):
        return None
    return ((prompt_tokens or 0) * prices.input_per_1m + (completion_tokens or 0) * prices.output_per_1m) / 1e6
