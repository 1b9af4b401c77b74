"""A --plugin file registering a teacher under a name the built-in tasks plugin already uses."""

from distillkit import hookimpl
from distillkit.components import Teacher


class AnotherSolver(Teacher):
    name = "synthetic_solver"

    def generate_one(self, prompt: str) -> str:
        return prompt


@hookimpl
def register_teacher_backends(register):
    register(AnotherSolver)
