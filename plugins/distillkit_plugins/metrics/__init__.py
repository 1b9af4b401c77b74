"""Built-in plugin: metrics (accuracy and exact match, with Wilson or bootstrap intervals)."""

from distillkit import hookimpl


@hookimpl
def register_metrics(register):
    from distillkit_plugins.metrics.accuracy import Accuracy
    from distillkit_plugins.metrics.exact_match import ExactMatch

    register(Accuracy)
    register(ExactMatch)
