"""Keep credentials out of everything distillkit writes: messages, logs, reports, run files, the cache.

``redact(text)`` masks credentials in URLs (``http://user:key@host``), tokens of well-known
shapes (``sk-...``, ``hf_...``, ``Bearer ...``) and the values of environment variables that
hold secrets (any variable named like ``*KEY*``/``*TOKEN*``/``*SECRET*``/``*PASSWORD*``, and
every variable a config names with ``api_key_env``). ``looks_like_secret(value)`` tells a
pasted key from the NAME of a variable, so validation can refuse it without echoing it.
"""

from __future__ import annotations

import os
import re
from typing import Any

MASK = "***"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]+@")
_KNOWN = re.compile(
    r"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}"  # OpenAI, Anthropic
    r"|sk_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|hf_[A-Za-z0-9]{20,}"  # Hugging Face
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    r"|AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|AIza[0-9A-Za-z_-]{35})"  # Google
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")
# a word of a variable or option name: OPENAI_API_KEY, HF_TOKEN, api_key_env (not TOKENIZERS_PARALLELISM)
_SECRET_ENV = re.compile(r"(?i)(?:^|_)(?:api_?key|key|token|secret|password|passwd|pass|credentials?)(?:_|$)")
_MIN_SECRET = 8  # shorter values are too likely to be ordinary words to mask everywhere
_named_env: set[str] = set()


def register_env_name(name: str) -> None:
    """Treat the value of environment variable ``name`` as a secret (called for ``api_key_env``)."""
    _named_env.add(name)


def _secret_values() -> list[str]:
    values = {v for k, v in os.environ.items() if _SECRET_ENV.search(k) and len(v) >= _MIN_SECRET}
    values |= {os.environ[n] for n in _named_env if len(os.environ.get(n, "")) >= _MIN_SECRET}
    return sorted(values, key=len, reverse=True)  # a longer secret containing a shorter one goes first


def redact(text: str) -> str:
    """``text`` with every credential replaced by ``***``."""
    if not text:
        return text
    for value in _secret_values():
        if value in text:
            text = text.replace(value, MASK)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    text = _KNOWN.sub(MASK, text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)


def redact_obj(data: Any) -> Any:
    """``redact`` applied to every string (keys too) of nested dicts/lists/tuples; other values unchanged."""
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, dict):
        return {redact_obj(k): redact_obj(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(redact_obj(v) for v in data)
    return data


def is_secret_field(name: str) -> bool:
    """An option whose value is never shown in a message (``api_key_env``, ``token``, ``password``...)."""
    return bool(_SECRET_ENV.search(name))


def looks_like_secret(value: Any) -> bool:
    """True for a value shaped like a credential (an API key, a token, a URL with a password).

    Names of environment variables (``OPENAI_API_KEY``, ``my_key_2``) are not: keys mix upper
    and lower case with digits, or are long runs of random letters and digits.
    """
    if not isinstance(value, str):
        return False
    if _KNOWN.search(value) or _USERINFO.search(value) or _BEARER.search(value):
        return True
    token = value.strip()
    if len(token) < 20 or not _TOKEN.fullmatch(token):
        return False
    digits = sum(c.isdigit() for c in token)
    upper, lower = any(c.isupper() for c in token), any(c.islower() for c in token)
    return (upper and lower and digits >= 2) or (len(token) >= 32 and digits >= 4 and (upper or lower))
