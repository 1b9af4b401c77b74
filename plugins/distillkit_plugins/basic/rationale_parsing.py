"""Split a teacher's raw output into rationale and final answer.

Understands "So the answer is X", "Therefore, the final answer is X", "#### 42" (GSM8K) and an
"Answer: (b)" line; the LAST such statement counts. Before splitting, an echoed prompt or
instruction is removed, and a runaway continuation (the teacher starting a new "Question:"
block of its own) is cut off. The answer is then read by the task's answer format, so "(b)",
"b" and the choice text all come out canonical. Failures are errors, never empty rationales.
"""

from __future__ import annotations

import re

from distillkit.components.answer_format import AnswerFormat
from distillkit.types import Example, ParsedRationale

# the start of a final-answer statement; the answer is the rest of that line
_FINAL = re.compile(
    r"####"
    r"|(?:\b(?:so|therefore|thus|hence)\b[ \t,]*)?\bthe[ \t]+(?:final[ \t]+|correct[ \t]+)?answer[ \t]+is[ \t]*:?"
    r"|^[ \t]*(?:final[ \t]+)?answer[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)
# a teacher that carries on writing the next few-shot item
_RUNAWAY = re.compile(r"\n[ \t]*(?:Question|Q)[ \t]*:", re.IGNORECASE)
_LEADING_LABEL = re.compile(r"^\s*(?:Rationale|Explanation|Reasoning)\s*:\s*", re.IGNORECASE)


def strip_echo(raw: str, prompt: str | None, instruction: str | None) -> str:
    """Drop a copy of the prompt at the start (completions echo) and a repeated instruction."""
    text = raw
    if prompt and text.startswith(prompt):
        text = text[len(prompt):]
    text = _LEADING_LABEL.sub("", text, count=1)
    if instruction and text.lstrip().lower().startswith(instruction.lower()):
        text = text.lstrip()[len(instruction):]
    return text.strip()


def cut_runaway(text: str) -> str:
    match = _RUNAWAY.search(text)
    return text[:match.start()].rstrip() if match else text


def _clean_answer(span: str) -> str:
    return span.strip().rstrip(".").strip().strip("*").strip()


def split_final_answer(text: str) -> tuple[str, str | None]:
    """(rationale, stated answer span or None), using the last final-answer statement."""
    last = None
    for last in _FINAL.finditer(text):
        pass
    if last is None:
        return text.strip(), None
    span = text[last.end():].split("\n", 1)[0]
    return text[:last.start()].strip(), _clean_answer(span)


def parse_rationale(raw: str, example: Example, answer_format: AnswerFormat, *, prompt: str | None = None,
                    instruction: str | None = None) -> ParsedRationale:
    """Read ``raw`` into a ParsedRationale; ``error`` says why when there is no usable rationale.

    Without a final-answer statement the whole text is the rationale and the answer is read
    from its last line only (a conclusion, not a number in the middle of the reasoning); it
    may stay None, which the ``not_truncated`` filter can drop.
    """
    if raw is None or not raw.strip():
        return ParsedRationale(None, None, error="empty output")
    text = cut_runaway(strip_echo(raw, prompt, instruction))
    if not text:
        return ParsedRationale(None, None, error="output only repeats the prompt")
    rationale, span = split_final_answer(text)
    if span is None:
        last_line = text.strip().splitlines()[-1]
        return ParsedRationale(text, answer_format.extract(last_line, example))
    answer = answer_format.extract(span, example)
    if not rationale:
        return ParsedRationale(None, answer, error="no reasoning before the final answer")
    return ParsedRationale(rationale, answer)
