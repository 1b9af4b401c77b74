"""Built-in plugin: ELAD, explanation-guided active distillation (selectors + teacher revision).

Component classes are imported inside the hooks so that loading the plugin stays cheap.
"""

from distillkit import hookimpl


@hookimpl
def register_sample_selectors(register):
    from distillkit_plugins.elad.baselines import (
        AnswerEntropySelector,
        LeastConfidenceSelector,
        RandomSelector,
        SelfConsistencySelector,
    )
    from distillkit_plugins.elad.elad_selector import ELADSelector

    for cls in (ELADSelector, RandomSelector, AnswerEntropySelector, LeastConfidenceSelector, SelfConsistencySelector):
        register(cls)


@hookimpl
def register_rationale_strategies(register):
    from distillkit_plugins.elad.revision import TeacherRevision

    register(TeacherRevision)


@hookimpl
def register_commands(cli):
    from distillkit_plugins.elad.cli import elad_report

    cli.add_command(elad_report)
