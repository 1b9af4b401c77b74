"""A programmatic teacher in ~30 lines: subclass Teacher, implement generate_one, register it.

The annotation engine adds batching, concurrency, caching, retries and progress.
"""

import re

from distillkit import hookimpl
from distillkit.components import Teacher, TeacherOptions
from distillkit.errors import TeacherError

_EXPR = re.compile(r"(-?\d+)\s*([-+*])\s*(-?\d+)")
_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}


class ArithmeticEvalTeacher(Teacher):
    """Works out the last "a + b" (or -, *) in the prompt, step by step."""

    name = "arithmetic_eval"
    Options = TeacherOptions  # only the engine's options: concurrency, batch size, retries

    def generate_one(self, prompt: str) -> str:
        found = _EXPR.findall(prompt)
        if not found:  # a TeacherError fails this item with a reason; TransientTeacherError is retried
            raise TeacherError("no expression: the prompt has no 'a + b' to work out")
        a, op, b = found[-1]
        result = _OPS[op](int(a), int(b))
        return f"We compute {a} {op} {b} = {result}.\nSo the answer is {result}."


@hookimpl
def register_teacher_backends(register):
    register(ArithmeticEvalTeacher)
