"""distillkit's built-in plugins. Each subpackage is registered through the ``distillkit``
entry-point group, exactly like a third-party plugin."""
