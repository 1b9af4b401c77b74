"""Built-in plugin: tasks (data loaders, answer formats, the synthetic task and its solver teacher).

Component classes are imported inside the hooks so that loading the plugin stays cheap.
"""

from distillkit import hookimpl


@hookimpl
def register_tasks(register):
    from distillkit_plugins.tasks.elimination.task import SyntheticElimination
    from distillkit_plugins.tasks.loading.hf_dataset import HFDataset
    from distillkit_plugins.tasks.offline.builtin_tasks import BUILTIN_TASKS
    from distillkit_plugins.tasks.offline.reasoning_gym_task import ReasoningGym
    from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic
    from distillkit_plugins.tasks.tinyllm_released import TinyLLMReleased

    for task in (HFDataset, *BUILTIN_TASKS, ReasoningGym, SyntheticArithmetic, SyntheticElimination,
                 TinyLLMReleased):
        register(task)


@hookimpl
def register_teacher_backends(register):
    from distillkit_plugins.tasks.elimination.solver import EliminationSolver
    from distillkit_plugins.tasks.synthetic.solver import SyntheticSolver

    register(SyntheticSolver)
    register(EliminationSolver)


@hookimpl
def register_commands(cli):
    from distillkit_plugins.tasks.data_cli import data

    cli.add_command(data)
