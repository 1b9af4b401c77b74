"""A --plugin file with a misspelled hook: the real one is ``register_teacher_backends``."""

from distillkit import hookimpl


@hookimpl
def register_teacher_backend(register):
    pass
