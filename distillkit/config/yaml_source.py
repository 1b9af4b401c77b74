"""Read YAML safely and remember where every key and item came from (line:column).

``yaml.safe_load`` semantics (no Python tags), hardened against hostile files: the size of the
file, the nesting depth, the number of nodes and alias uses, and the size the aliases expand
to are bounded; an anchor used inside itself, a duplicate key and bytes that are not UTF-8 are
located errors. Every limit is far above what a pipeline needs (a few KB, depth < 10).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent

from distillkit.config.encoding import EncodingIssue, decode_utf8
from distillkit.errors import ConfigError, Problem

Path_ = tuple[Any, ...]
Positions = dict[Path_, tuple[int, int]]

MAX_BYTES = 64 * 1024  # shipped pipelines are 3 KB; pure-Python YAML reads ~60 KB/s on a busy core
MAX_DEPTH = 64
MAX_NODES = 5_000  # values written in the file (shipped pipelines: ~130)
MAX_ALIASES = 1_000  # alias uses (*name)
MAX_EXPANDED = 200_000  # nodes once every alias is expanded (a billion-laughs file is ~1e9)
_MERGE = "tag:yaml.org,2002:merge"


class _Limit(yaml.YAMLError):
    """A located refusal raised while composing (converted to a ConfigError by ``parse_yaml``)."""

    def __init__(self, message: str, mark: Any, hint: str):
        super().__init__(message)
        self.message, self.mark, self.hint = message, mark, hint


class BoundedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses resource bombs and self-referencing anchors while composing."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = self._nodes = self._aliases = 0
        self._open_anchors: set[str] = set()  # anchors whose node is still being composed
        self.first_alias: Any = None  # where an alias bomb is blamed

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self._aliases += 1
            self.first_alias = self.first_alias or event.start_mark
            if self._aliases > MAX_ALIASES:
                raise _Limit(f"more than {MAX_ALIASES} alias uses (*name)", event.start_mark,
                             "a pipeline needs a handful of aliases; write the values out or use fewer anchors")
            if event.anchor in self._open_anchors:
                raise _Limit(f"alias *{event.anchor} is used inside its own anchor &{event.anchor} "
                             "(a self-referencing structure)", event.start_mark,
                             f"refer to &{event.anchor} only after the value it anchors has ended")
            return super().compose_node(parent, index)
        self._depth += 1
        self._nodes += 1
        if self._depth > MAX_DEPTH:
            raise _Limit(f"nesting deeper than {MAX_DEPTH} levels", event.start_mark,
                         "a pipeline is a few levels deep; check for runaway brackets or indentation")
        if self._nodes > MAX_NODES:
            raise _Limit(f"more than {MAX_NODES} values in one file", event.start_mark,
                         "a pipeline has at most a few hundred values; is this the right file?")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(anchor)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Nodes in the tree once aliases are expanded (memoised: linear in the file, not the expansion)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, memo) for item in node.value)
    else:
        size = 1
    memo[id(node)] = size
    return size


def _walk(node: yaml.Node, path: Path_, out: Positions, dups: dict[int, Problem]) -> None:
    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                seen = first.setdefault((key_node.tag, key), key_node)
                if seen is not key_node and id(key_node) not in dups:
                    dups[id(key_node)] = _duplicate(path + (key,), seen, key_node)
            _walk(value_node, path + (key,), out, dups)
            out[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), out, dups)


def _duplicate(path: Path_, first: yaml.Node, again: yaml.Node) -> Problem:
    a, b = first.start_mark, again.start_mark
    return Problem(dotted(path), f"key {again.value!r} is written twice (first at line {a.line + 1}, column "
                   f"{a.column + 1}; again at line {b.line + 1}, column {b.column + 1}); YAML would silently "
                   "keep only the last one", b.line + 1, b.column + 1,
                   "merge the two into one key (e.g. one `teachers:` list holding every teacher)")


def _syntax_problem(exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, _Limit):
        return Problem("", f"refused: {exc.message}", exc.mark.line + 1, exc.mark.column + 1, exc.hint)
    if isinstance(exc, yaml.reader.ReaderError):  # a control character; it has a position, not a mark
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return Problem("", f"control character {ord(char):#06x} is not allowed in YAML", line, col,
                       "remove it (only tab, newline and printable characters may appear)")
    mark = getattr(exc, "problem_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    problem = getattr(exc, "problem", None) or str(exc)
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context:  # e.g. "while parsing a flow mapping" + where that mapping was opened
        opened = f" opened at line {start.line + 1}, column {start.column + 1}" if start else ""
        problem = f"{problem} ({context}{opened})"
    return Problem("", f"YAML syntax error: {problem}", line, col, "check indentation, colons and quotes around this line")


def parse_yaml(text: str, source: str = "<string>") -> tuple[Any, Positions]:
    """Safe-load ``text`` (no Python tags) and map each path to its 1-based (line, column)."""
    if len(text) > MAX_BYTES:
        raise ConfigError([Problem("", f"the file is {len(text)} characters; a pipeline may have at most "
                                   f"{MAX_BYTES}", hint="a pipeline is a few KB; is this the right file?")], source)
    loader = None
    try:
        loader = BoundedSafeLoader(text)
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_EXPANDED:
            raise _Limit(f"aliases expand to more than {MAX_EXPANDED} values (an alias bomb)", loader.first_alias,
                         "write the values out, or use aliases that do not nest inside each other")
        positions: Positions = {}
        dups: dict[int, Problem] = {}
        if node is not None:
            _walk(node, (), positions, dups)
        if dups:
            raise ConfigError(list(dups.values()), source)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise ConfigError([_syntax_problem(exc, text)], source) from None
    except RecursionError:  # defence in depth: depth is bounded above, so this is not expected
        raise ConfigError([Problem("", "refused: structure nested too deeply",
                                   hint=f"keep nesting under {MAX_DEPTH} levels")], source) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, positions


def safe_load_value(text: str) -> Any:
    """One YAML value (e.g. of a ``-o key=value`` override) with the same limits as a file."""
    return parse_yaml(text)[0]


def decode_config(data: bytes, source: str) -> str:
    """The text of a config file, or a ConfigError saying where it is not UTF-8."""
    if len(data) > MAX_BYTES:
        raise ConfigError([Problem("", f"the file is larger than {MAX_BYTES} bytes, the most a pipeline may have",
                                   hint="a pipeline is a few KB; is this the right file?")], source)
    text = decode_utf8(data)
    if isinstance(text, EncodingIssue):
        raise ConfigError([Problem("", f"{text.message} (byte offset {text.offset}); config files must be UTF-8",
                                   text.line, text.column, text.hint)], source)
    return text


def read_yaml(path: str | Path) -> tuple[Any, Positions]:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # never read a huge file whole just to refuse it
    except OSError as exc:
        raise ConfigError([Problem("", f"cannot read config: {exc.strerror}", hint="check the path")], str(path)) from None
    return parse_yaml(decode_config(data, str(path)), str(path))


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
