"""JSON replies to ``teacher_revision`` (structured outputs): the schema, and reading them back.

The schema asks, in this order (a constrained decoder writes fields in schema order, so the
teacher judges before it rewrites)::

    {"verdict": "all steps correct" | "final answer is wrong" | "a step is wrong" | "a step is missing",
     "first_wrong_step": 0..K+1,           (0 when no step is wrong)
     "steps": ["...", ...],                (the corrected solution, one step per item)
     "final_answer": "..."}

A JSON reply is turned into the text the free-text parser reads (its steps one per line, "So
the answer is X.", "Verdict: step K is wrong"), so kept/revised/full/error are decided the
same way for both, and the report reads the verdict the same way from the cache. A reply cut
off by ``max_new_tokens`` is closed where it stopped (an unfinished last field is dropped).
"""

from __future__ import annotations

import json
import re
from typing import Any

STEP_WRONG, STEP_MISSING = "a step is wrong", "a step is missing"
VERDICTS = ("all steps correct", "final answer is wrong", STEP_WRONG, STEP_MISSING)
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?)(?:```|$)", re.DOTALL)
MAX_STEP_CHARS, MAX_ANSWER_CHARS = 200, 60
NUMBER_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,6})?$"


def _steps_schema(max_items: int) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": MAX_STEP_CHARS},
            "maxItems": max_items}


def answer_schema(fmt_name: str, choices: tuple[str, ...] = ()) -> dict[str, Any]:
    """The final answer in the task's answer format, so a constrained teacher cannot write
    something the format will not read ("all steps correct" as a number, say)."""
    if choices:
        return {"type": "string", "enum": list(choices)}
    if fmt_name == "numeric":  # a pattern bounds the length itself (lm-format-enforcer: not both)
        return {"type": "string", "pattern": NUMBER_PATTERN}
    if fmt_name == "yes_no":
        return {"type": "string", "enum": ["yes", "no"]}
    return {"type": "string", "minLength": 1, "maxLength": MAX_ANSWER_CHARS}


def revision_schema(n_steps: int, answer: dict[str, Any] | None = None) -> dict[str, Any]:
    """The reply to a revision prompt about ``n_steps`` student steps (``answer``: answer_schema)."""
    return {
        "title": "ELAD revision", "type": "object",
        "properties": {
            "verdict": {"type": "string", "enum": list(VERDICTS)},
            # an enum, not minimum/maximum: lm-format-enforcer does not enforce number ranges
            "first_wrong_step": {"type": "integer", "enum": list(range(n_steps + 2))},
            "steps": _steps_schema(n_steps + 3),
            "final_answer": answer or answer_schema(""),
        },
        "required": ["verdict", "first_wrong_step", "steps", "final_answer"],
        "additionalProperties": False,
    }


def solution_schema(answer: dict[str, Any] | None = None, max_steps: int = 6) -> dict[str, Any]:
    """The reply to a plain chain-of-thought prompt (the student wrote nothing to revise)."""
    return {"title": "Solution", "type": "object",
            "properties": {"steps": _steps_schema(max_steps), "final_answer": answer or answer_schema("")},
            "required": ["steps", "final_answer"], "additionalProperties": False}


def load_reply(reply: str) -> dict[str, Any] | None:
    """The JSON object of ``reply`` (bare, or in a ```json fence), closing a cut-off one; else None."""
    text = reply.strip()
    fenced = _FENCE.search(text)
    if fenced and not text.startswith("{"):
        text = fenced.group(1).strip()
    if not text.startswith("{"):
        return None
    for candidate in (text, *_closings(text)):
        try:
            value = json.loads(candidate, strict=False)
        except json.JSONDecodeError:
            continue
        return value if isinstance(value, dict) else None
    return None


def _closings(text: str) -> list[str]:
    """``text`` (a JSON object cut short) closed as it stands, then closed at its last complete value."""
    stack, in_string, escape, cuts = [], False, False, []
    for i, ch in enumerate(text):
        if in_string:
            if ch == '"' and not escape:
                in_string = False
            escape = not escape and ch == "\\"
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
        elif ch == ",":
            cuts.append((i, "".join(reversed(stack))))
    out = [text + ('"' if in_string else "") + "".join(reversed(stack))]
    out += [text[:i] + closer for i, closer in reversed(cuts)]
    return out


def reply_as_text(reply: str) -> str:
    """A JSON revision reply as the text the free-text parser reads; any other reply unchanged."""
    obj = load_reply(reply) if reply and "{" in reply else None
    if obj is None or not ({"verdict", "steps", "final_answer"} & set(obj)):
        return reply
    lines = [" ".join(str(s).split()) for s in obj.get("steps") or [] if str(s).strip()]
    answer = str(obj.get("final_answer") or "").strip()
    if answer:
        lines.append(f"So the answer is {answer.rstrip('.')}.")
    if "verdict" in obj:
        lines.append(f"Verdict: {_verdict_words(obj.get('verdict'), obj.get('first_wrong_step'))}")
    return "\n".join(lines)


def _verdict_words(verdict: Any, step: Any) -> str:
    words = " ".join(str(verdict or "").split())
    k = step if isinstance(step, int) and not isinstance(step, bool) and step >= 1 else None
    if words in (STEP_WRONG, STEP_MISSING):
        # without a step number the verdict stays unlocated (read as no verdict: full-rationale fallback)
        return f"step {k} is {words.rsplit(' ', 1)[1]}" if k else words
    return words
