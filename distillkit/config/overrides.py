"""``-o dotted.key=value`` overrides, applied to the parsed YAML before validation."""

from __future__ import annotations

import copy
import re
from typing import Any

from distillkit.config.yaml_source import safe_load_value
from distillkit.errors import ConfigError, Problem

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _split(key: str) -> list[Any]:
    parts: list[Any] = []
    for name, index in _PART.findall(key):
        parts.append(int(index) if index else (int(name) if name.isdigit() else name))
    return parts


def apply_overrides(data: Any, overrides: list[str], source: str | None = None,
                    origins: dict[tuple, str] | None = None) -> Any:
    """Return a copy of ``data`` with each ``key=value`` set; the value is read as YAML.

    ``origins`` (when given) receives path -> override text, so validation blames ``-o``.
    """
    data = copy.deepcopy(data) if data is not None else {}
    problems = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        parts = _split(key.strip())
        if not sep or not parts:
            problems.append(Problem(f"-o {item}", "override must look like dotted.key=value",
                                    hint="e.g. -o trainer.max_steps=20 or -o teachers[0].model=gpt2"))
            continue
        try:  # the same limits as a file: an override is no way around them
            value = safe_load_value(raw)
        except ConfigError:
            value = raw  # not YAML: the text itself (validation then says if it does not fit)
        node = data
        try:
            for i, part in enumerate(parts[:-1]):
                if isinstance(node, dict) and part not in node:
                    node[part] = [] if isinstance(parts[i + 1], int) else {}
                node = node[part]
            last = parts[-1]
            if isinstance(node, list) and isinstance(last, int) and last == len(node):
                node.append(value)
            else:
                node[last] = value
            if origins is not None:
                origins[tuple(parts)] = item
        except (KeyError, IndexError, TypeError):
            problems.append(Problem(f"-o {item}", f"cannot set {key.strip()!r}: the path does not exist in the config",
                                    hint="list items are addressed as teachers[0] or teachers.0"))
    if problems:
        raise ConfigError(problems, source)
    return data
