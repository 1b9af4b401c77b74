"""What plugin authors get besides the base classes: the reusable building blocks of the built-ins
(``distillkit_plugins.authoring``) and an ELAD report that does not mislabel their selectors."""

from __future__ import annotations

import pytest

from distillkit.components import RationaleStrategy, SampleSelector
from distillkit.components.selector import STUDENT


def test_the_authoring_module_exports_the_few_shot_helpers_and_the_probing_selector_base():
    from distillkit_plugins import authoring

    for name in authoring.__all__:
        assert getattr(authoring, name) is not None
    assert issubclass(authoring.PromptedStrategy, RationaleStrategy)
    assert issubclass(authoring.StudentSelector, SampleSelector)
    assert STUDENT in authoring.StudentSelector.needs
    assert authoring.gold_text.__module__.startswith("distillkit_plugins.")


def _run(selector: str) -> dict:
    rnd = {"round": 0, "labeled": 2, "teacher_calls": 2, "prompt_tokens": 10, "completion_tokens": 5,
           "cost": 0.0, "annotation": {"kinds": {}}, "parse_errors": 0,
           "selected": [{"id": "e1"}, {"id": "e2", "uncertainty": 0.5}]}
    return {"name": "r", "label": f"{selector} + x", "seed": 0, "baseline_test": None, "final_test": None,
            "teacher_calls": 2, "cost": 0.0, "rounds": [rnd], "selector": selector}


@pytest.mark.parametrize("selector, label", [("random", "random pick"),
                                             ("third_party_pick", "picked by third_party_pick (no details")])
def test_elad_report_labels_picks_without_details_by_their_selector(selector, label):
    from distillkit_plugins.elad.report import _run_section

    lines = _run_section(_run(selector), "accuracy", show=5)
    assert f"- `e1`: {label}" in "\n".join(lines)
    assert "- `e2`: uncertainty=0.500" in lines
