"""Reading a teacher's verdict on a student's explanation ("Verdict: step 3 is wrong").

The ``teacher_revision`` prompt asks for one verdict line, the last line of the reply::

    Verdict: all steps correct
    Verdict: final answer is wrong
    Verdict: step K is wrong          (or "step K is missing")
    Verdict: no steps found

which is also what the programmatic ``synthetic_solver`` writes. A JSON reply (structured
output, ``structured_reply.py``) is read through the same words. Real small models drift, so
the text is read as judgements, one per clause: "step 2 is correct but step 3 is wrong" is two
clauses, and the FIRST step judged wrong is the verdict (3 here); negations flip a judgement
("not correct", "no mistakes", "not all steps are correct"); markdown, list bullets and case do
not matter; "the first step is wrong" and "the first mistake is in step 2" are told apart.

Where it looks: the last "Verdict:" line (its text, or the next line when it is empty); without
one, every clause of the reply ("loose" reading), where only a located wrong step, a wrong
final answer or an explicit "all correct" counts. A verdict that says something is wrong but
not where ("not all steps correct", "there is a mistake") is unreadable, never "correct".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

VerdictKind = Literal["correct", "answer_wrong", "step_wrong", "no_steps"]

_VERDICT_LINE = re.compile(r"(?im)^[ \t>*_#\-+\d.)]*verdict[ \t*_]*[:\-][ \t]*(?P<text>.*?)[ \t*_.]*$")
_TEMPLATE_ECHO = re.compile(r"(?i)\bstep\s+K\b")  # the prompt's own list of verdicts, echoed
_TEMPLATE_LINES = {"verdict: all steps correct", "verdict: final answer is wrong"}
_NO_STEPS = re.compile(r"(?i)\bno\s+steps?\s+(?:found|given|written|provided|to\s+check)\b|^\W*no\s+steps?\W*$")
_MARKUP = re.compile(r"[*_`#>\u2705\u274c\u2714\u2716]+")
# clause boundaries: sentence ends (". " but not "3.5"), ";", "but", "however", a comma or "and"
# that starts a new subject ("..., step 3 is wrong"); a "Step 2." label is joined back (_clauses)
_CLAUSE = re.compile(r"(?i)(?<=[.!?])\s+|[;\n]|\bbut\b|\bhowever\b|\bwhereas\b|\bwhile\b"
                     r"|,\s*(?=(?:and\s+)?(?:the\s+)?(?:step|final|answer|\w+\s+step))"
                     r"|\band\s+(?=(?:the\s+)?(?:step\s*\d|final|answer|\w+\s+step\s+(?:is|was)))")
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
          "eighth": 8, "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3}
_STEP_NUM = re.compile(r"(?i)\bsteps?\s*(?:#|no\.?|number)?\s*\(?(?P<k>\d+|one|two|three|four|five|six|seven|"
                       r"eight|nine|ten)\b")
_ORDINAL_STEP = re.compile(r"(?i)\b(?P<k>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|1st|2nd|"
                           r"3rd|\d+th)\s+step\b(?!\s+(?:that|which|where))")
_ANSWER = re.compile(r"(?i)\b(?:final\s+)?answer\b|\bfinal\s+(?:line|result)\b")
_ALL = re.compile(r"(?i)\b(?:all|every|each)\b(?:\s+\S+){0,3}?\s+steps?\b|\beverything\b|\b(?:all|every)\s+of\b"
                  r"|\b(?:the|student'?s?|these|its)\s+steps\b"
                  r"|\b(?:the\s+)?(?:student'?s?\s+)?(?:solution|reasoning|explanation|work|calculations?)\b")
_NOT_ALL = re.compile(r"(?i)\bnot\s+(?:all|every|each|everything)\b")
# judgement words; attributive uses ("the correct answer is 9", "the right value") are not judgements
_POLARITY = re.compile(
    r"(?i)\b(?P<missing>missing|omitted|absent|skipped|left\s+out)\b"
    r"|\b(?P<bad>wrong|incorrect|erroneous|mistaken|invalid|inaccurate|false|flawed|miscalculated|errors?|"
    r"mistakes?|miscalculations?|should\s+(?:be|have\s+been))\b"
    r"|\b(?P<good>correct|right|fine|valid|accurate|ok|okay|true|sound)\b"
    r"(?!\s+(?:answer|solution|result|value|calculation|steps?|way|number|final|one)\b)")
_LABEL_ONLY = re.compile(r"(?i)\bstep\s*#?\s*\d+\s*[.)]$")
_NEGATION = re.compile(r"(?i)\b(?:not|no|never|nothing|without|none)\b|n't\b")


@dataclass(frozen=True)
class Verdict:
    """What the teacher concluded; ``step`` is the 1-based first wrong step for ``step_wrong``."""

    kind: VerdictKind
    step: int | None = None
    missing: bool = False  # "step K is missing": the student stopped before step K
    line: str | None = None  # the verdict line as written (removed from the rationale)
    prose: tuple[str, ...] = ()  # other judgement-only lines of a loose reading (also removed)


class VerdictError(ValueError):
    """The reply has a verdict that says nothing readable (or not which step is wrong)."""


@dataclass
class _Judgement:
    steps: list[int]
    answer: bool
    all: bool
    polarity: str | None  # "good", "bad", "missing" or None


def _plain(text: str) -> str:
    return _MARKUP.sub("", text)


def _judge_clause(clause: str) -> _Judgement | None:
    polarity, negated_bad = None, False
    match = _POLARITY.search(clause)
    if match:
        polarity = match.lastgroup
        before = clause[max(0, match.start() - 24):match.start()]
        if _NEGATION.search(before):
            # "no mistakes", "nothing is wrong": a judgement of the whole explanation
            negated_bad = polarity == "bad"
            polarity = {"good": "bad", "bad": "good", "missing": "good"}[polarity]
    if _NOT_ALL.search(clause):
        polarity = "bad" if polarity in ("good", None) else polarity
        return _Judgement([], False, False, polarity)
    steps = [_number(m.group("k")) for m in _STEP_NUM.finditer(clause)]
    if not steps:
        steps = [_number(m.group("k")) for m in _ORDINAL_STEP.finditer(clause)]
    steps = [k for k in steps if k is not None]
    if polarity is None and not steps:
        return None
    about_all = bool(_ALL.search(clause)) or (negated_bad and not steps)
    return _Judgement(steps, bool(_ANSWER.search(clause)) and not steps, about_all, polarity)


def _number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    if word.endswith("th") and word[:-2].isdigit():
        return int(word[:-2])
    return _WORDS.get(word)


def _clauses(text: str) -> list[str]:
    out: list[str] = []
    for part in (c.strip() for c in _CLAUSE.split(_plain(text)) if c and c.strip()):
        if out and _LABEL_ONLY.search(out[-1]):  # "Step 2." was a label, not a sentence
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def _decide(judgements: list[_Judgement], *, verdict_line: bool) -> Verdict | str:
    """The verdict the judgements add up to, or why there is none."""
    wrong = [(k, j.polarity == "missing") for j in judgements if j.polarity in ("bad", "missing") for k in j.steps]
    if verdict_line and not wrong:  # "Verdict: step 2" names the first wrong step
        wrong = [(k, False) for j in judgements if j.polarity is None for k in j.steps]
    if wrong:
        k, missing = min(wrong)
        if k < 1:
            return f"verdict names step {k}; steps are numbered from 1"
        return Verdict("step_wrong", k, missing)
    if any(j.answer and j.polarity == "bad" for j in judgements):
        return Verdict("answer_wrong")
    if any(j.polarity in ("bad", "missing") for j in judgements):
        return "it says the explanation is wrong but not which step"
    if any(j.polarity == "good" and (j.all or (verdict_line and not j.steps)) for j in judgements):
        return Verdict("correct")
    return "expected e.g. 'all steps correct', 'step 2 is wrong', 'final answer is wrong'"


def read_verdict_text(text: str) -> Verdict:
    """Classify the text after "Verdict:"; raises ``VerdictError`` when it is unreadable."""
    if _NO_STEPS.search(_plain(text).strip()):
        return Verdict("no_steps")
    found = _decide([j for c in _clauses(text) if (j := _judge_clause(c))], verdict_line=True)
    if isinstance(found, str):
        raise VerdictError(f"unreadable verdict {text.strip()[:80]!r}: {found}")
    return found


def find_verdict(reply: str) -> Verdict | None:
    """The verdict of ``reply`` (JSON, its last "Verdict:" line, else a loose reading), or None."""
    from distillkit_plugins.elad.structured_reply import reply_as_text

    reply = _drop_echo(reply_as_text(reply))
    lines = list(_VERDICT_LINE.finditer(reply))
    if lines:
        last = lines[-1]
        text, line = last.group("text"), last.group(0)
        if not _plain(text).strip():  # "**Verdict:**" with the verdict on the next line
            rest = reply[last.end():].lstrip("\n").split("\n", 1)[0]
            text, line = rest, f"{line}\n{rest}"
        found = read_verdict_text(text)
        return Verdict(found.kind, found.step, found.missing, line)
    return _loose(reply)


def _drop_echo(reply: str) -> str:
    """``reply`` without a copy of the prompt's list of verdicts (SmolLM2 repeats it)."""
    if not _TEMPLATE_ECHO.search(reply):
        return reply
    return "\n".join(line for line in reply.split("\n") if not _TEMPLATE_ECHO.search(line)
                     and _plain(line).strip().lower().rstrip(".") not in _TEMPLATE_LINES)


def _loose(reply: str) -> Verdict | None:
    judged: list[tuple[str, _Judgement]] = []
    for raw_line in reply.splitlines():
        if _TEMPLATE_ECHO.search(raw_line):
            continue
        judged += [(raw_line, j) for c in _clauses(raw_line) if (j := _judge_clause(c)) and j.polarity]
    found = _decide([j for _, j in judged], verdict_line=False)
    if isinstance(found, str):
        return None
    prose = tuple(dict.fromkeys(line for line, _ in judged if "=" not in line))
    deciding = next((line for line, j in judged if _decide([j], verdict_line=False) == found), None)
    return Verdict(found.kind, found.step, found.missing, deciding, prose)


def without_verdict(reply: str, verdict: Verdict | None) -> str:
    """``reply`` without the lines that carry its verdict (they are not reasoning to learn)."""
    from distillkit_plugins.elad.structured_reply import reply_as_text

    reply = _drop_echo(reply_as_text(reply))
    if verdict is None or verdict.line is None:  # drop unreadable "Verdict:" lines all the same
        return _VERDICT_LINE.sub("", reply).strip()
    head, _, tail = reply.rpartition(verdict.line)
    text = head + tail
    if verdict.prose:
        drop = set(verdict.prose)
        text = "\n".join(line for line in text.splitlines() if line not in drop)
    return text.strip()
