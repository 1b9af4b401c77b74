"""Built-in plugin: tasks (data loaders, answer formats, the synthetic task and its solver teacher).

Component classes are imported inside the hooks so that loading the plugin stays cheap.
"""

from distillkit import hookimpl


@hookimpl
def register_tasks(register):
    from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

    register(SyntheticArithmetic)


@hookimpl
def register_teacher_backends(register):
    from distillkit_plugins.tasks.synthetic.solver import SyntheticSolver

    register(SyntheticSolver)
