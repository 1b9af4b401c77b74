"""Checks of a server URL at validation: anything that would only fail once requests are sent."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from distillkit.secrets import looks_like_secret, redact

_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_NAMES = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)", "\t": "a tab", " ": "a space"}
EXAMPLE = "e.g. http://127.0.0.1:8000/v1"


def check_base_url(url: str) -> str:
    """``url`` when a request could be sent to it; ValueError saying what is wrong otherwise.

    Credentials in the URL are allowed (some proxies want them) but never repeated in a message.
    """
    shown = redact(url) if looks_like_secret(url) or "@" in url else url
    bad = _CONTROL.search(url)
    if bad:
        what = _NAMES.get(bad.group(), f"control character {ord(bad.group()):#04x}")
        raise ValueError(f"base_url contains {what} at character {bad.start() + 1}; a URL has no whitespace or "
                         f"control characters ({EXAMPLE})")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{shown!r} is not an http(s) URL, {EXAMPLE}")
    if not parts.hostname:
        raise ValueError(f"{shown!r} has no host name, {EXAMPLE}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{shown!r} has an invalid port; a port is a number 1-65535, {EXAMPLE}") from None
    if port == 0:
        raise ValueError(f"{shown!r} has port 0; a port is a number 1-65535, {EXAMPLE}")
    if parts.query or parts.fragment:
        raise ValueError(f"{shown!r} has a ?query or #fragment; the API path is appended to base_url, so give "
                         f"the URL up to /v1 only ({EXAMPLE})")
    return url
