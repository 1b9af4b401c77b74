"""Built-in plugin ``hf``: Hugging Face students and a local Hugging Face teacher.

Only the hook implementations live here; the classes (and torch/transformers) are imported
when the registry is built or a model is used, never when distillkit starts.
"""

from distillkit import hookimpl


@hookimpl
def register_student_models(register):
    from distillkit_plugins.hf.student import HFStudent

    register(HFStudent)


@hookimpl
def register_teacher_backends(register):
    from distillkit_plugins.hf.teacher import HFTeacher

    register(HFTeacher)
