"""Errors distillkit raises on purpose.

Each carries enough to act on: where the problem is, what was wrong, what would be valid.
None derives from KeyError (whose str() quotes the message and shows ``\\n`` literally).
"""

from __future__ import annotations

from dataclasses import dataclass


class DistillkitError(Exception):
    """Base class; the CLI turns these into exit code 2 (usage/config) or 1 (runtime)."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One located problem in a pipeline config."""

    location: str  # dotted path, e.g. "teachers[1].temperature"; "" for the whole file
    message: str
    line: int | None = None  # 1-based, in the YAML file
    column: int | None = None
    hint: str | None = None  # what would be valid / did-you-mean

    def render(self, source: str | None = None) -> str:
        where = self.location or "<config>"
        if self.line is not None:
            pos = f"{source}:{self.line}:{self.column or 1}" if source else f"line {self.line}"
            where = f"{where} ({pos})"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


MAX_SHOWN = 50  # problems printed in full; the rest are counted


class ConfigError(DistillkitError):
    """A pipeline config is invalid; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem], source: str | None = None, *, more: int = 0):
        self.problems = list(problems)
        self.source = source
        self.more = more  # problems found but not kept (beyond the collector's limit)
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems) + self.more
        head = f"{self.source or 'config'}: {n} problem{'s' if n != 1 else ''} found"
        shown = self.problems[:MAX_SHOWN]
        lines = [head] + ["  - " + p.render(self.source) for p in shown]
        if n > len(shown):  # a file of 10,000 mistakes must not print 10,000 hints
            lines.append(f"  ... and {n - len(shown)} more (fix these first, then validate again)")
        return "\n".join(lines)


class PluginError(DistillkitError):
    """A plugin failed to load, registered a duplicate name, or implements an unknown hook."""

    exit_code = 2


class DataError(DistillkitError):
    """Input data is malformed: names the file, the row and the field."""

    exit_code = 2


class TeacherError(DistillkitError):
    """A teacher request failed for good (no retry will help)."""


class TransientTeacherError(TeacherError):
    """A teacher request failed in a way a retry may fix (timeout, 429, 5xx, dropped connection).

    ``retry_after`` (seconds) is honoured by the annotation engine when the server sent one.
    """

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
