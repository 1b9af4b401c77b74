"""Built-in plugin ``training``: the ``accelerate`` trainer, the text-level losses ``cot_sft`` and
``answer_only``, and ``logit_kd``. Classes (and torch) load when the registry is built or training starts."""

from distillkit import hookimpl


@hookimpl
def register_trainers(register):
    from distillkit_plugins.training.trainer import AccelerateTrainer

    register(AccelerateTrainer)


@hookimpl
def register_student_losses(register):
    from distillkit_plugins.training.answer_only import AnswerOnly
    from distillkit_plugins.training.cot_sft import CotSFT
    from distillkit_plugins.training.logit_kd import LogitKD

    register(AnswerOnly)
    register(CotSFT)
    register(LogitKD)
