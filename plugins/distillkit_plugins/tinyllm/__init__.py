"""Built-in plugin ``tinyllm``: the multi-teacher rationale distillation loss of TinyLLM."""

from distillkit import hookimpl


@hookimpl
def register_student_losses(register):
    from distillkit_plugins.tinyllm.multitask_rationale import MultitaskRationale

    register(MultitaskRationale)
