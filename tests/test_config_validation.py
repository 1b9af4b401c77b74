"""Two-phase validation: every problem at once, located by dotted path and YAML line."""

import textwrap

import pytest

from distillkit.config.load import load_pipeline
from distillkit.config.overrides import apply_overrides
from distillkit.errors import ConfigError
from distillkit.registry import build_registry
from distillkit.testing import builtin_modules
from tests.plugins import fake_components


@pytest.fixture
def reg():
    return build_registry(entry_points=False, modules=[*builtin_modules(), fake_components])


GOOD = """\
name: fake-run
task: {type: fake_counting, size: 9}
teachers:
  - id: t1
    type: fake_scorer
    reply: "x. So the answer is 1."
student: {type: hf}
loss: {type: fake_logit, teacher: t1}
"""


def problems(reg, text, overrides=()):
    with pytest.raises(ConfigError) as exc:
        load_pipeline(None, reg, list(overrides), text=textwrap.dedent(text))
    return exc.value.problems


def test_good_config_resolves(reg):
    p = load_pipeline(None, reg, text=GOOD)
    assert p.teacher_ids == ["t1"]
    assert p.teachers[0].teacher.options.reply == "x. So the answer is 1."
    resolved = p.resolved_config()
    assert resolved["teachers"][0]["max_retries"] == 5  # defaults filled in
    assert resolved["selector"]["type"] == "all"


def test_misspelled_option_gets_location_line_and_did_you_mean(reg):
    (p,) = problems(reg, GOOD.replace('    reply: "x', '    replly: "x'))
    assert p.location == "teachers[0].replly"
    assert p.line == 6 and p.column == 5
    assert "did you mean 'reply'" in p.hint and "available:" in p.hint


def test_all_problems_reported_together(reg):
    text = GOOD.replace("fake_counting", "fake_countng").replace("type: hf", "type: nope") + "rounds: {count: 0}\n"
    found = problems(reg, text)
    where = {p.location for p in found}
    assert where == {"rounds.count"}  # structural errors stop before types are resolved
    text = GOOD.replace("fake_counting", "fake_countng").replace("{type: hf}", "{type: nope}")
    found = problems(reg, text)
    assert {p.location for p in found} == {"task.type", "student.type"}
    task = next(p for p in found if p.location == "task.type")
    assert "did you mean 'fake_counting'" in task.hint and task.line == 2


def test_unknown_teacher_id_and_capability(reg):
    (p,) = problems(reg, GOOD.replace("teacher: t1", "teacher: t2"))
    assert p.location == "loss.teacher" and "names teacher 't2'" in p.message  # at the option that names it
    (p,) = problems(reg, GOOD.replace("fake_scorer", "fake_echo"))
    assert p.location == "teachers[0].type" and "needs teacher capability score" in p.message


def test_capabilities_are_required_only_of_the_teachers_the_loss_reads(reg):
    second = GOOD.replace("student:", '  - {id: t2, type: fake_echo, reply: "2"}\nstudent:')
    assert load_pipeline(None, reg, text=second).teacher_ids == ["t1", "t2"]
    (p,) = problems(reg, second.replace("teacher: t1", "teacher: t2"))
    assert p.location == "teachers[1].type" and "needs teacher capability score" in p.message


def test_component_cross_check_is_located(reg):
    (p,) = problems(reg, GOOD + "rounds: {count: 6, budget_per_round: 2}\n")
    assert p.location == "loss.teacher" and "too many rounds" in p.message


def test_duplicate_teacher_ids(reg):
    text = GOOD.replace("student:", "  - id: t1\n    type: fake_scorer\nstudent:")
    (p,) = problems(reg, text)
    assert p.location == "teachers[1].id" and p.line == 7


def test_budget_rules(reg):
    found = problems(reg, GOOD + "rounds: {count: 3, total_budget: 0}\n")
    assert {p.location for p in found} == {"rounds.total_budget"}
    found = problems(reg, GOOD + "rounds: {count: 3}\n")
    assert [p.location for p in found] == ["rounds.budget_per_round"]


def test_unknown_section_and_missing_section(reg):
    found = problems(reg, GOOD.replace("loss:", "los:"))
    assert {p.location for p in found} == {"los", "loss"}
    los = next(p for p in found if p.location == "los")
    assert "did you mean 'loss'" in los.hint


def test_yaml_syntax_error_has_line():
    from distillkit.config.yaml_source import parse_yaml

    with pytest.raises(ConfigError) as exc:
        parse_yaml("name: x\nteachers: [a, b\nstudent: {}\n", "bad.yaml")
    (p,) = exc.value.problems
    assert "YAML syntax error" in p.message and p.line == 3


def test_yaml_python_tags_are_refused():
    from distillkit.config.yaml_source import parse_yaml

    with pytest.raises(ConfigError):
        parse_yaml("x: !!python/object/apply:os.system ['true']\n")


def test_overrides_set_nested_and_list_items(reg):
    p = load_pipeline(None, reg, ["teachers[0].reply=hi", "seed=7", "task.size=12"], text=GOOD)
    assert p.teachers[0].teacher.options.reply == "hi" and p.spec.seed == 7 and p.task.options.size == 12
    with pytest.raises(ConfigError, match="does not exist"):
        apply_overrides({"teachers": []}, ["teachers[3].reply=x"])
    with pytest.raises(ConfigError, match="dotted.key=value"):
        apply_overrides({}, ["novalue"])
