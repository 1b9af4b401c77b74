"""The plugin surface of distillkit: one hook per kind of component, plus CLI commands.

Every ``register_*`` hook receives a ``register`` callable and calls it once per component
class the plugin provides: ``register(MyTeacher)``. Classes must subclass the kind's base class
from ``distillkit.components`` and set a unique ``name`` (their YAML ``type:``). Hooks only
register classes; behaviour lives on the classes, so installing a plugin never changes a
pipeline that does not name one of its components.

Hooks are called once, when the registry is built (at CLI start-up or by
``distillkit.registry.build_registry``). A name registered twice, in one plugin or two, is a
``PluginError`` naming both plugins. Implementations must be cheap: no model loading, no
network, no torch import (``distillkit --help`` must stay fast).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

PROJECT = "distillkit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Register = Callable[[type], None]


@hookspec
def register_teacher_backends(register: Register) -> None:
    """Register ``distillkit.components.Teacher`` subclasses.

    :param register: call with each class. A teacher declares ``capabilities`` ("generate",
        "score"); losses that need "score" are rejected at validation unless a configured
        teacher has it.
    """


@hookspec
def register_rationale_strategies(register: Register) -> None:
    """Register ``RationaleStrategy`` subclasses: prompt builders and output parsers.

    :param register: call with each class. Set ``uses_gold_answer`` for teacher-forcing
        prompts, and ``needs`` (e.g. ``STUDENT_OUTPUT``) for what the runner must provide.
    """


@hookspec
def register_rationale_filters(register: Register) -> None:
    """Register ``RationaleFilter`` subclasses, which keep or drop each parsed rationale.

    :param register: call with each class. Drops are counted per teacher and reason.
    """


@hookspec
def register_sample_selectors(register: Register) -> None:
    """Register ``SampleSelector`` subclasses, which choose the pool items to annotate each round.

    :param register: call with each class. Declare the signals you use in ``needs``; the
        pipeline computes only those.
    """


@hookspec
def register_student_losses(register: Register) -> None:
    """Register ``StudentLoss`` subclasses: training views, weights and the inference prompt.

    :param register: call with each class. Declare ``requires_teacher_capabilities``.
    """


@hookspec
def register_tasks(register: Register) -> None:
    """Register ``Task`` subclasses: data loaders with their answer format.

    :param register: call with each class.
    """


@hookspec
def register_student_models(register: Register) -> None:
    """Register ``StudentModel`` subclasses: model families the student can be.

    :param register: call with each class.
    """


@hookspec
def register_metrics(register: Register) -> None:
    """Register ``Metric`` subclasses: scores of the student's predictions.

    :param register: call with each class.
    """


@hookspec
def register_trainers(register: Register) -> None:
    """Register ``Trainer`` subclasses: the optimisation loop of one round.

    :param register: call with each class.
    """


@hookspec
def register_callbacks(register: Register) -> None:
    """Register ``Callback`` subclasses: observers of run events (trackers, logging).

    :param register: call with each class.
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add subcommands to the ``distillkit`` command line.

    :param cli: the root ``click.Group``; call ``cli.command()`` / ``cli.group()`` /
        ``cli.add_command(...)`` on it. Called once at CLI start-up, after all plugins load.
        Keep imports inside the command functions so ``distillkit --help`` stays fast.
    """
