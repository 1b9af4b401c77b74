"""How a JSON schema (``TeacherRequest.response_schema``) is sent to an OpenAI-compatible server.

Servers disagree on the field (checked on llama.cpp in llama-cpp-python 0.3.36 and vLLM's docs):

* ``response_format`` ``{"type": "json_schema", "json_schema": {...}}``: OpenAI, vLLM (chat and
  completions), llama-server on /chat/completions only (its /completions ignores it silently);
* ``json_schema`` (the bare schema): llama-server, chat and completions;
* ``structured_outputs`` ``{"json": schema}``: vLLM >= 0.12; ``guided_json``: vLLM < 0.12.

``auto`` sends ``response_format`` on chat; on completions it sends ``response_format`` and
``json_schema`` together, so vLLM and llama-server each read the field they know (both ignore
the other one).
"""

from __future__ import annotations

import re
from typing import Any, Literal

StructuredMode = Literal["auto", "response_format", "json_schema", "structured_outputs", "guided_json", "off"]

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def schema_name(schema: dict[str, Any]) -> str:
    """The schema's ``title`` as OpenAI accepts a name (``^[A-Za-z0-9_-]{1,64}$``), else "reply"."""
    title = schema.get("title")
    name = _NAME_CHARS.sub("_", title)[:64] if isinstance(title, str) else ""
    return name or "reply"


def schema_fields(mode: StructuredMode, api: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The request body fields that constrain the reply to ``schema`` ({} when none or ``off``)."""
    if schema is None or mode == "off":
        return {}
    response_format = {"type": "json_schema",
                       "json_schema": {"name": schema_name(schema), "schema": schema, "strict": True}}
    if mode == "auto":
        if api == "chat":
            return {"response_format": response_format}
        return {"response_format": response_format, "json_schema": schema}
    if mode == "response_format":
        return {"response_format": response_format}
    if mode == "json_schema":
        return {"json_schema": schema}
    if mode == "structured_outputs":
        return {"structured_outputs": {"json": schema}}
    if mode == "guided_json":
        return {"guided_json": schema}
    raise ValueError(f"unknown structured_output mode {mode!r}")
