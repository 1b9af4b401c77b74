"""Did-you-mean hints for unknown names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


def unknown_name_hint(name: str, candidates: Iterable[str]) -> str:
    """'did you mean X? available: a, b, c' (or just the available list)."""
    names = sorted(candidates)
    parts = [h for h in [did_you_mean(name, names)] if h]
    parts.append("available: " + (", ".join(names) if names else "(none installed)"))
    return "; ".join(parts)
