"""distillkit: distil reasoning from large teacher LLMs into a small student.

The core holds contracts and plumbing only; importing it never imports torch.
Write a plugin with ``distillkit.hookimpl`` and the base classes in ``distillkit.components``.
"""

from distillkit.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
