"""Built-in basics: the select-everything selector, the dataset teacher, chain-of-thought strategies,
rationale filters, the console callback."""

from distillkit import hookimpl


@hookimpl
def register_sample_selectors(register):
    from distillkit_plugins.basic.select_all import SelectAll

    register(SelectAll)


@hookimpl
def register_teacher_backends(register):
    from distillkit_plugins.basic.dataset_teacher import DatasetTeacher

    register(DatasetTeacher)


@hookimpl
def register_rationale_strategies(register):
    from distillkit_plugins.basic.cot_strategy import CoTStrategy
    from distillkit_plugins.basic.teacher_forcing_strategy import TeacherForcingCoT

    register(CoTStrategy)
    register(TeacherForcingCoT)


@hookimpl
def register_rationale_filters(register):
    from distillkit_plugins.basic.rationale_filters import (
        AnswerMatchesGold,
        MinLength,
        NonEmpty,
        NotTruncated,
    )

    for cls in (AnswerMatchesGold, NonEmpty, NotTruncated, MinLength):
        register(cls)


@hookimpl
def register_callbacks(register):
    from distillkit_plugins.basic.console_callback import ConsoleSummary

    register(ConsoleSummary)
