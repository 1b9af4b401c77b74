"""Read YAML safely and remember where every key and item came from (line:column)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from distillkit.errors import ConfigError, Problem

Path_ = tuple[Any, ...]
Positions = dict[Path_, tuple[int, int]]


def _walk(node: yaml.Node, path: Path_, out: Positions) -> None:
    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            _walk(value_node, path + (key,), out)
            out[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), out)


def parse_yaml(text: str, source: str = "<string>") -> tuple[Any, Positions]:
    """Safe-load ``text`` (no Python tags) and map each path to its 1-based (line, column)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = getattr(exc, "problem", None) or str(exc)
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context:  # e.g. "while parsing a flow mapping" + where that mapping was opened
            opened = f" opened at line {start.line + 1}, column {start.column + 1}" if start else ""
            problem = f"{problem} ({context}{opened})"
        raise ConfigError(
            [Problem("", f"YAML syntax error: {problem}", line, col,
                     "check indentation, colons and quotes around this line")],
            source,
        ) from None
    finally:
        loader.dispose()
    positions: Positions = {}
    if node is not None:
        _walk(node, (), positions)
    return data, positions


def read_yaml(path: str | Path) -> tuple[Any, Positions]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Problem("", f"cannot read config: {exc.strerror}", hint="check the path")], str(path)) from None
    return parse_yaml(text, str(path))


def dotted(path: Path_) -> str:
    """('teachers', 1, 'temperature') -> 'teachers[1].temperature'"""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def position(positions: Positions, path: Path_) -> tuple[int | None, int | None]:
    """Position of ``path``, or of its nearest ancestor present in the file (None for defaults)."""
    for n in range(len(path), 0, -1):
        if path[:n] in positions:
            return positions[path[:n]]
    return None, None
