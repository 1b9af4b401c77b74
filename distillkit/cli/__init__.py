"""The ``distillkit`` command line."""
