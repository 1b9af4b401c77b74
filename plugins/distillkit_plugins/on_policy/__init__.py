"""Built-in plugin ``on_policy``: on-policy distillation (the student samples, teachers score its tokens).

The ``on_policy`` loss; the scoring helpers (``scorer.Scorer``: cache, retries, budget) are shared
with ``logit_kd``. Classes (and torch) load when the registry is built or training starts.
"""

from distillkit import hookimpl


@hookimpl
def register_student_losses(register):
    from distillkit_plugins.on_policy.loss import OnPolicy

    register(OnPolicy)
