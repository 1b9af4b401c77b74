"""Sections a pipeline may leave out get the component their kind's plugin declared the default.

The core names no component: ``Component.default`` on a registered class says "use me when the
section is missing". A missing section whose kind has no declared default is a located problem.
"""

from __future__ import annotations

from distillkit.config.schema import ComponentSpec, PipelineSpec
from distillkit.registry import Registry

Missing = tuple[tuple, str, str]  # (path in the YAML, message, hint)

# section -> kind, for the sections that may be left out
OPTIONAL_SECTIONS = {"selector": "selector", "trainer": "trainer"}


def apply_defaults(spec: PipelineSpec, registry: Registry) -> tuple[PipelineSpec, list[Missing]]:
    """``spec`` with every left-out section filled from the registry's defaults, and what is missing."""
    problems: list[Missing] = []

    def default(kind: str, path: tuple) -> ComponentSpec | None:
        name = registry.default(kind)
        if name is None:
            problems.append((path, f"no {kind} configured, and no installed plugin declares a default {kind}",
                             (f"add a {kind} section {{type: ...}}; `distillkit components {kind}` "
                              "lists them")))
            return None
        return ComponentSpec(type=name)

    update = {}
    for section, kind in OPTIONAL_SECTIONS.items():
        if getattr(spec, section) is None:
            update[section] = default(kind, (section,))
    if spec.metrics is None:
        metric = default("metric", ("metrics",))
        update["metrics"] = [metric] if metric is not None else None
    teachers = []
    for i, section in enumerate(spec.teachers):  # TeacherSpec sections, not teachers
        if section.strategy is None:
            strategy = default("strategy", ("teachers", i, "strategy"))
            section = section.model_copy(update={"strategy": strategy})
        teachers.append(section)
    update["teachers"] = teachers
    return spec.model_copy(update=update), problems
