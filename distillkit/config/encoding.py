"""Config and data files are UTF-8 text: say exactly where and how a file is not.

Used for pipeline YAML (whole file in memory, it is small) and for data files (streamed in
chunks, they may be large). A UTF-8 byte-order mark is accepted and dropped.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

UTF8_BOM = codecs.BOM_UTF8
_WIDE_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class EncodingIssue:
    """What is wrong, where (1-based line/column, 0-based byte offset), and what would be valid."""

    message: str
    line: int
    column: int
    offset: int
    hint: str

    def describe(self) -> str:
        return f"{self.message} at line {self.line}, column {self.column} (byte offset {self.offset})"


def _wide_encoding(head: bytes) -> str | None:
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            return name
    # no mark, but ASCII text in UTF-16 alternates NUL bytes: "n\0a\0m\0e\0"
    if len(head) >= 4 and (head[1] == head[3] == 0 and head[0] and head[2]
                           or head[0] == head[2] == 0 and head[1] and head[3]):
        return "UTF-16"
    return None


def _issue_at(data: bytes, offset: int, message: str, hint: str, line_base: int = 0, line_start: int = 0) -> EncodingIssue:
    """Locate ``offset`` in ``data`` (lines counted from ``line_base`` lines before the chunk)."""
    line = line_base + data.count(b"\n", 0, offset) + 1
    last_nl = data.rfind(b"\n", 0, offset)
    column = offset - last_nl if last_nl >= 0 else line_start + offset + 1
    return EncodingIssue(message, line, column, offset, hint)


def _first_issue(chunk: bytes, base_offset: int, lines_before: int, col_before: int,
                 decoder: codecs.IncrementalDecoder, final: bool) -> EncodingIssue | None:
    nul = chunk.find(b"\x00")
    held = len(decoder.getstate()[0])  # bytes of a character begun in the previous chunk
    try:
        decoder.decode(chunk if nul < 0 else chunk[:nul], final=final and nul < 0)
    except UnicodeDecodeError as exc:
        pos = max(0, exc.start - held)
        bad = chunk[pos]
        issue = _issue_at(chunk, pos, f"byte 0x{bad:02X} is not valid UTF-8", _latin1_hint(bad), lines_before, col_before)
        return EncodingIssue(issue.message, issue.line, issue.column, base_offset + pos, issue.hint)
    if nul >= 0:
        issue = _issue_at(chunk, nul, "NUL byte (0x00)", "remove it: the file must be UTF-8 text, which never "
                          "contains NUL bytes (a binary file, or a UTF-16 file?)", lines_before, col_before)
        return EncodingIssue(issue.message, issue.line, issue.column, base_offset + nul, issue.hint)
    return None


def _latin1_hint(byte: int) -> str:
    guess = f" ({bytes([byte]).decode('latin-1')!r} in Latin-1)" if byte >= 0xA0 else ""
    return (f"save the file as UTF-8{guess}, e.g. iconv -f LATIN1 -t UTF-8 FILE > FILE.utf8; "
            "valid files are UTF-8 text")


def _wide_issue(name: str) -> EncodingIssue:
    return EncodingIssue(f"the file is {name} encoded", 1, 1, 0,
                         f"save it as UTF-8, e.g. iconv -f {name} -t UTF-8 FILE > FILE.utf8")


def decode_utf8(data: bytes) -> str | EncodingIssue:
    """The text of ``data`` (a UTF-8 BOM dropped), or the first ``EncodingIssue``."""
    wide = _wide_encoding(data[:4])
    if wide:
        return _wide_issue(wide)
    data = data.removeprefix(UTF8_BOM)
    issue = _first_issue(data, 0, 0, 0, codecs.getincrementaldecoder("utf-8")(), final=True)
    return issue if issue is not None else data.decode("utf-8")


def check_utf8_file(path: Path) -> EncodingIssue | None:
    """The first encoding problem of a (possibly large) file, streamed; None when it is clean UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = col = 0
    with path.open("rb") as fh:
        chunk = fh.read(_CHUNK)
        wide = _wide_encoding(chunk[:4])
        if wide:
            return _wide_issue(wide)
        while chunk:
            nxt = fh.read(_CHUNK)
            issue = _first_issue(chunk, offset, lines, col, decoder, final=not nxt)
            if issue is not None:
                return issue
            lines += chunk.count(b"\n")
            last_nl = chunk.rfind(b"\n")
            col = len(chunk) - last_nl - 1 if last_nl >= 0 else col + len(chunk)
            offset += len(chunk)
            chunk = nxt
    return None
