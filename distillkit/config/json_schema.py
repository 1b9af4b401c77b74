"""JSON Schema of pipeline files: the structural schema with each component slot replaced by a
``oneOf`` over the installed components of that kind (``type`` as the discriminator)."""

from __future__ import annotations

from typing import Any

from distillkit.config.schema import PipelineSpec
from distillkit.registry import Registry

# pipeline section -> component kind; list sections hold several
SLOTS = {"task": "task", "selector": "selector", "student": "student", "loss": "loss", "trainer": "trainer"}
LIST_SLOTS = {"filters": "filter", "metrics": "metric", "callbacks": "callback"}


def _component_schema(cls, extra_props: dict[str, Any] | None = None) -> dict[str, Any]:
    schema = cls.Options.model_json_schema()
    defs = schema.pop("$defs", {})
    props = {"type": {"const": cls.name, "description": cls.summary()}, **(extra_props or {}), **schema.get("properties", {})}
    out = {"type": "object", "title": f"{cls.kind}:{cls.name}", "properties": props,
           "required": ["type", *schema.get("required", [])], "additionalProperties": False}
    return out, defs


def _one_of(registry: Registry, kind: str, defs: dict, extra_props=None) -> dict[str, Any]:
    options = []
    for _, _, entry in registry.entries(kind):
        sub, sub_defs = _component_schema(entry.cls, extra_props)
        defs.update(sub_defs)
        options.append(sub)
    return {"oneOf": options} if options else {"type": "object"}


def pipeline_json_schema(registry: Registry) -> dict[str, Any]:
    schema = PipelineSpec.model_json_schema()
    defs = schema.setdefault("$defs", {})
    props = schema["properties"]
    for section, kind in SLOTS.items():
        props[section] = _one_of(registry, kind, defs)
    for section, kind in LIST_SLOTS.items():
        props[section] = {"type": "array", "items": _one_of(registry, kind, defs)}
    strategy = _one_of(registry, "strategy", defs)
    teacher_extra = {"id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"}, "strategy": strategy}
    props["teachers"] = {"type": "array", "items": _one_of(registry, "teacher", defs, teacher_extra)}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
