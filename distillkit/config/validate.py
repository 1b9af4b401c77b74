"""Two-phase validation of a pipeline; every problem is collected and reported together.

Phase 1 checks the file's structure (``PipelineSpec``). Phase 2 resolves each ``type:`` in the
registry and validates the rest of the section with that class's ``Options``. Then the
cross-checks run: teacher ids, capabilities, budgets, and each component's ``cross_check``.
Nothing here loads a model or touches the network.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from distillkit.components import Component
from distillkit.components.selector import STUDENT
from distillkit.components.strategy import STUDENT_OUTPUT
from distillkit.config.defaults import apply_defaults
from distillkit.config.pipeline import ResolvedPipeline, TeacherSlot
from distillkit.config.schema import ComponentSpec, PipelineSpec
from distillkit.config.yaml_source import Positions, dotted, position
from distillkit.errors import MAX_SHOWN, ConfigError, Problem
from distillkit.registry import Registry, UnknownComponent
from distillkit.secrets import MASK, is_secret_field, looks_like_secret, redact
from distillkit.suggest import did_you_mean, unknown_name_hint


class _Collector:
    def __init__(self, positions: Positions, origins: dict[tuple, str] | None = None):
        self.positions = positions
        self.origins = origins or {}  # paths set by `-o key=value` -> that override
        self.problems: list[Problem] = []
        self.more = 0  # problems beyond MAX_SHOWN: counted, not described (hints cost time)

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_SHOWN

    def add(self, path: tuple, message: str, hint: str | None = None, *, default_note: bool = True) -> None:
        if self.full:
            self.more += 1
            return
        override = next((self.origins[path[:n]] for n in range(len(path), 0, -1) if path[:n] in self.origins), None)
        if override is not None:  # the value came from the command line: blame it, not the YAML
            key, _, value = override.partition("=")
            shown = f"{key}={MASK}" if looks_like_secret(value) else redact(override)
            self.problems.append(Problem(f"{dotted(path)} (set by -o {shown})", message, None, None, hint))
            return
        line, col = position(self.positions, path)
        if default_note and path and self.positions and path[:1] not in self.positions:
            message += f" (from the default `{path[0]}` section; set it explicitly to change it)"
        self.problems.append(Problem(dotted(path), message, line, col, hint))

    def pydantic(self, base: tuple, exc: ValidationError, model: type[BaseModel], fallback_hint: str | None = None) -> None:
        for err in exc.errors():
            if self.full:
                self.more += 1
                continue
            loc = tuple(err["loc"])
            path = base + loc
            kind = err["type"]
            if kind == "extra_forbidden":
                fields = _fields_at(model, loc[:-1])
                hint = unknown_name_hint(str(loc[-1]), fields)
                self.add(path, f"unknown option {loc[-1]!r}", hint)
            elif kind == "missing":
                # a missing section is not "from the default section": it has no default
                self.add(path, "required but missing", _describe(model, loc) or fallback_hint,
                         default_note=len(path) > 1)
            else:
                got = err.get("input")
                # a pasted key is never echoed back, whatever field it landed in
                hide = isinstance(got, (dict, list)) or looks_like_secret(got) or is_secret_field(str(loc[-1]) if loc else "")
                shown = "" if hide else f" (got {got!r})"
                msg = re.sub(r" or instance of \w+", "", err["msg"])  # pydantic's class names mean nothing in YAML
                msg = msg.removeprefix("Value error, ")
                self.add(path, f"{msg}{shown}", _describe(model, loc) or fallback_hint)


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The (nested) model at ``loc`` (list indices skipped); None when it is not a model."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        current = next((a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if current is None:
            return None
    return current


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (nested) model at ``loc``; best effort for did-you-mean."""
    return list(getattr(_model_at(model, loc), "model_fields", {}))


def _describe(model: type[BaseModel], loc: tuple) -> str | None:
    """Description of the field at ``loc``, also inside nested models (rounds.count, teachers[0].id)."""
    names = [i for i, p in enumerate(loc) if isinstance(p, str)]
    if not names:
        return None
    last = names[-1]
    field = getattr(_model_at(model, loc[:last]), "model_fields", {}).get(loc[last])
    return field.description if field is not None and field.description else None


def _resolve(reg: Registry, out: _Collector, kind: str, spec: ComponentSpec, path: tuple) -> Component | None:
    try:
        cls = reg.get(kind, spec.type)
    except UnknownComponent as exc:
        out.add(path + ("type",), f"unknown {kind} type {spec.type!r}", exc.hint)
        return None
    try:
        options = cls.Options.model_validate(spec.options())
    except ValidationError as exc:
        out.pydantic(path, exc, cls.Options, f"see its options: distillkit show {kind} {spec.type}")
        return None
    return cls(options)


def _structural(data: Any, out: _Collector) -> PipelineSpec | None:
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        out.add((), f"a pipeline must be a YAML mapping, got {got}",
                "start from a file in configs/, e.g. configs/tinyllm/quickstart.yaml")
        return None
    try:
        return PipelineSpec.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():  # unknown top-level sections get the list of valid ones
            if err["type"] == "extra_forbidden" and len(err["loc"]) == 1:
                if out.full:  # counted, not described: a did-you-mean per key costs time
                    out.more += 1
                    continue
                out.add(err["loc"], f"unknown section {err['loc'][0]!r}",
                        unknown_name_hint(str(err["loc"][0]), PipelineSpec.model_fields))
        rest = [e for e in exc.errors() if not (e["type"] == "extra_forbidden" and len(e["loc"]) == 1)]
        if rest:
            out.pydantic((), ValidationError.from_exception_data(exc.title, rest), PipelineSpec)
        return None


def _path_of_value(data: Any, value: str, path: tuple = ()) -> tuple:
    """Path of the first option equal to ``value`` (e.g. ('rationales', 1, 'teacher')); () if none."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, item in items:
        if item == value:
            return path + (key,)
        found = _path_of_value(item, value, path + (key,))
        if found:
            return found
    return ()


def _names_where(registry: Registry, kind: str, test) -> str:
    """Registered ``kind`` names whose class passes ``test`` (hints name what is installed)."""
    return ", ".join(n for n in registry.names(kind) if test(registry.get(kind, n))) or "(none installed)"


def _capability_hint(registry: Registry, missing: set[str]) -> str:
    able = _names_where(registry, "teacher", lambda c: missing <= c.capabilities)
    plain = _names_where(registry, "loss", lambda c: not c.requires_teacher_capabilities)
    return f"use a teacher type that has it ({able}) or a loss that needs no teacher capability ({plain})"


def _cross_checks(p: ResolvedPipeline, out: _Collector, registry: Registry) -> None:
    spec = p.spec
    ids = [t.id for t in spec.teachers]
    for i, tid in enumerate(ids):
        if tid in ids[:i]:
            out.add(("teachers", i, "id"), f"teacher id {tid!r} is used twice", "give every teacher a unique id")
    resolved = {slot.id: slot for slot in p.teachers}
    if p.loss is not None:
        for tid in p.loss.teacher_ids():
            if tid not in ids:
                where = ("loss",) + _path_of_value(spec.loss.options(), tid)
                out.add(where, f"names teacher {tid!r}, which is not defined in `teachers`",
                        " ".join(filter(None, [did_you_mean(tid, ids), f"defined ids: {', '.join(ids) or '(none)'}"])))
        need = p.loss.requires_teacher_capabilities
        read = set(p.loss.teacher_ids()) or set(ids)  # a loss that names no teacher reads them all
        for i, tid in enumerate(ids):
            slot = resolved.get(tid) if tid in read else None
            missing = need - slot.teacher.capabilities if slot else set()
            if missing:
                out.add(("teachers", i, "type"),
                        f"loss {p.loss.name!r} needs teacher capability {', '.join(sorted(missing))}, "
                        f"which teacher type {slot.teacher.name!r} does not have",
                        _capability_hint(registry, missing))
    for i, tid in enumerate(ids):
        slot = resolved.get(tid)
        if slot and STUDENT_OUTPUT in slot.strategy.needs and not slot.teacher.reads_request:
            out.add(("teachers", i, "strategy", "type"),
                    f"strategy {slot.strategy.name!r} asks the teacher about the student's own output, but teacher "
                    f"type {slot.teacher.name!r} answers from the example alone and never reads the request",
                    "use a teacher that reads the prompt (an LLM backend or a programmatic solver), or a strategy "
                    "that asks for whole rationales (e.g. cot)")
    rounds = spec.rounds
    if rounds.count > 1 and rounds.budget_per_round is None:
        out.add(("rounds", "budget_per_round"), "required when rounds.count > 1",
                "each round would otherwise annotate the whole pool; set e.g. budget_per_round: 32")
    if rounds.total_budget and rounds.budget_per_round and rounds.total_budget < rounds.budget_per_round:
        out.add(("rounds", "total_budget"), "smaller than budget_per_round",
                f"set total_budget >= {rounds.budget_per_round} or lower budget_per_round")
    if p.selector is not None and STUDENT in p.selector.needs and p.student is None:
        out.add(("selector",), f"selector {p.selector.name!r} needs the student, but no student is configured")
    sections = [("task", p.task), ("selector", p.selector), ("student", p.student), ("loss", p.loss),
                ("trainer", p.trainer)]
    sections += [(("teachers", i), s.teacher) for i, s in enumerate(p.teachers)]
    sections += [(("teachers", i, "strategy"), s.strategy) for i, s in enumerate(p.teachers)]
    sections += [(("filters", i), f) for i, f in enumerate(p.filters)]
    sections += [(("metrics", i), m) for i, m in enumerate(p.metrics)]
    for where, comp in sections:
        if comp is None:
            continue
        base = where if isinstance(where, tuple) else (where,)
        for chk in comp.cross_check(comp.options, p):
            rel = tuple(part for part in chk.location.split(".") if part) if chk.location else ()
            out.add(base + rel, chk.message, chk.hint)


def validate_pipeline(data: Any, positions: Positions, registry: Registry, source: str | None = None,
                      origins: dict[tuple, str] | None = None) -> ResolvedPipeline:
    """Validate parsed YAML; return the resolved pipeline or raise ``ConfigError`` with ALL problems.

    ``origins`` maps paths set by ``-o`` overrides to the override text, blamed instead of the file.
    """
    out = _Collector(positions, origins)
    spec = _structural(data, out)
    if spec is None:
        raise ConfigError(out.problems, source, more=out.more)
    spec, missing = apply_defaults(spec, registry)  # left-out sections: the plugins' declared defaults
    for path, message, hint in missing:
        out.add(path, message, hint)
    if missing:
        raise ConfigError(out.problems, source, more=out.more)
    p = ResolvedPipeline(spec)
    p.task = _resolve(registry, out, "task", spec.task, ("task",))
    for i, t in enumerate(spec.teachers):
        teacher = _resolve(registry, out, "teacher", t, ("teachers", i))
        strategy = _resolve(registry, out, "strategy", t.strategy, ("teachers", i, "strategy"))
        if teacher is not None and strategy is not None:
            p.teachers.append(TeacherSlot(t.id, teacher, strategy))
    p.filters = [f for i, s in enumerate(spec.filters) if (f := _resolve(registry, out, "filter", s, ("filters", i)))]
    p.selector = _resolve(registry, out, "selector", spec.selector, ("selector",))
    p.student = _resolve(registry, out, "student", spec.student, ("student",))
    p.loss = _resolve(registry, out, "loss", spec.loss, ("loss",))
    p.trainer = _resolve(registry, out, "trainer", spec.trainer, ("trainer",))
    p.metrics = [m for i, s in enumerate(spec.metrics) if (m := _resolve(registry, out, "metric", s, ("metrics", i)))]
    p.callbacks = [c for i, s in enumerate(spec.callbacks) if (c := _resolve(registry, out, "callback", s, ("callbacks", i)))]
    _cross_checks(p, out, registry)
    if out.problems:
        raise ConfigError(out.problems, source, more=out.more)
    return p

