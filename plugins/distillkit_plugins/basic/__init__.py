"""Built-in basics: the select-everything selector, accuracy, console logging."""

from distillkit import hookimpl


@hookimpl
def register_sample_selectors(register):
    from distillkit_plugins.basic.select_all import SelectAll

    register(SelectAll)
