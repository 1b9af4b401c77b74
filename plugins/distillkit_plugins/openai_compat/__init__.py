"""Built-in plugin: openai_compat, a teacher backend for any OpenAI-compatible server."""

from distillkit import hookimpl


@hookimpl
def register_teacher_backends(register):
    from distillkit_plugins.openai_compat.teacher import OpenAICompatTeacher

    register(OpenAICompatTeacher)
