"""ELAD's options and cross-checks at validation time, and the shipped ELAD configs."""

from pathlib import Path

import pytest

from distillkit.components.strategy import STUDENT_OUTPUT
from distillkit.config.load import load_pipeline
from distillkit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
ELAD_CONFIGS = sorted((ROOT / "configs" / "elad").glob("*.yaml"))

BASE = """\
name: elad-check
task: {type: synthetic_arithmetic, train_size: 20, validation_size: 4, test_size: 4}
teachers:
  - {id: solver, type: synthetic_solver, strategy: {type: teacher_revision}}
student: {type: hf, config: {model_type: llama, hidden_size: 32}}
loss: {type: cot_sft}
rounds: {count: 2, budget_per_round: 4}
"""


def load(registry, extra):
    return load_pipeline(None, registry, text=BASE + extra)


def test_shipped_elad_configs_cover_cpu_smollm2_and_gpu(registry):
    names = {p.name for p in ELAD_CONFIGS}
    assert {"synthetic_cpu.yaml", "smollm2_cpu.yaml", "gpu_gsm8k_qwen7b.yaml"} <= names
    for path in ELAD_CONFIGS:
        p = load_pipeline(path, registry)
        assert p.selector.name == "elad" and p.teachers[0].strategy.name == "teacher_revision"
        head = path.read_text().splitlines()
        assert any(line.startswith("# Command") for line in head[:15]), f"{path.name}: say how to run it"


def test_elad_options_are_checked_and_located(registry):
    with pytest.raises(ConfigError) as err:
        load(registry, "selector: {type: elad, lam: 1.5, intra: flips, num_samples: 1, step_splitter: words}\n")
    text = str(err.value)
    for where in ("selector.lam", "selector.intra", "selector.num_samples", "selector.step_splitter"):
        assert where in text
    assert "'entropy' or 'flip_rate'" in text


def test_early_answering_is_refused_for_a_chat_template_student(registry):
    chat_base = BASE.replace("hidden_size: 32}}", "hidden_size: 32}, chat_template: true}")

    def chat(selector):  # one student key: a repeated key is itself a config error
        return load_pipeline(None, registry, text=chat_base + selector)

    with pytest.raises(ConfigError, match="chat-template student"):
        chat("selector: {type: elad}\n")
    with pytest.raises(ConfigError, match="chat-template student"):
        chat("selector: {type: least_confidence}\n")
    assert chat("selector: {type: elad, lam: 0}\n").selector.options.lam == 0
    assert chat("selector: {type: self_consistency}\n").selector.name == "self_consistency"


def test_revision_strategy_options(registry):
    p = load(registry, "selector: {type: random}\n")
    opts = p.teachers[0].strategy.options
    assert opts.keep_correct_student_explanation and opts.fallback_to_full_rationale
    strategy = p.teachers[0].strategy
    assert strategy.needs == {STUDENT_OUTPUT} and strategy.purpose == "revision"
    with pytest.raises(ConfigError, match="keep_correct_student_explanations"):
        load_pipeline(None, registry, text=BASE.replace(
            "{type: teacher_revision}", "{type: teacher_revision, keep_correct_student_explanations: false}"))


def test_the_plugin_hooks_register_the_selectors_the_strategy_and_the_report_command(registry):
    from distillkit_plugins import elad

    selectors, strategies, commands = [], [], []
    elad.register_sample_selectors(register=selectors.append)
    elad.register_rationale_strategies(register=strategies.append)
    elad.register_commands(cli=type("Cli", (), {"add_command": staticmethod(commands.append)}))
    assert {c.name for c in selectors} == {"elad", "random", "answer_entropy", "least_confidence", "self_consistency"}
    assert [c.name for c in strategies] == ["teacher_revision"] and commands[0].name == "elad-report"
    for cls in selectors + strategies:
        assert registry.get(cls.kind, cls.name) is cls
        assert cls.summary() and all(f.description for f in cls.Options.model_fields.values())
