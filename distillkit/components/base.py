"""The base every component class shares: a YAML ``type:`` name and a pydantic ``Options`` model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

if TYPE_CHECKING:
    from distillkit.config.pipeline import ResolvedPipeline


MAX_SEED = 2**31 - 1  # numpy and torch refuse negative seeds and seeds >= 2**32 (and add round numbers)


class ComponentOptions(BaseModel):
    """Options of a component. Unknown keys are errors; every field carries a description.

    Shared rules, so no run fails halfway for a value validation could have refused: floats
    must be finite (``.inf``/``.nan`` are refused), and every field named ``seed`` or ``*_seed``
    must lie in 0..MAX_SEED.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _seed_in_range(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if (name == "seed" or name.endswith("_seed")) and type(value) is int and not 0 <= value <= MAX_SEED:
            raise ValueError(f"a seed must be between 0 and {MAX_SEED}")
        return value


class CrossCheck(BaseModel):
    """A problem a component finds with the rest of the pipeline (see ``Component.cross_check``)."""

    location: str  # relative to the component's own section, "" for the section itself
    message: str
    hint: str | None = None


class Component:
    """Base of every pluggable component.

    Subclasses set ``name`` (their YAML ``type:``), may set ``description`` (one line shown by
    ``distillkit components``; the first docstring line otherwise) and define a nested
    ``Options(ComponentOptions)``. ``__init__`` must be cheap and side-effect free: distillkit
    instantiates components while validating a config, before anything loads. Load models,
    open connections or read files in ``setup()`` or on first use, never in ``__init__``.
    """

    kind: ClassVar[str] = ""  # set by each kind's base class
    hook: ClassVar[str] = ""  # the hookspec that registers this kind
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: What a registered class must implement: each group names methods of which it overrides at
    #: least one (a Teacher: one of generate_one / generate_request / generate_batch /
    #: agenerate_batch). Checked when the class is registered, so a missing method is a load
    #: error naming the plugin, not an empty ``NotImplementedError`` halfway through a run.
    must_override: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: True: this class is its kind's default, used when a pipeline leaves the section out (the
    #: selector, the trainer, the metrics, a teacher's strategy). At most one class per kind may
    #: say so; the default strategy also scores each teacher's own answers at the end of a run, so
    #: it must not show the gold answer. The core names no component: plugins declare defaults.
    default: ClassVar[bool] = False
    options: ComponentOptions  # set by __init__

    class Options(ComponentOptions):
        pass

    def __init__(self, options: ComponentOptions | None = None, **kwargs: Any):
        if options is not None and kwargs:
            raise TypeError("pass either an Options instance or keyword options, not both")
        self.options = options if options is not None else self.Options(**kwargs)

    @classmethod
    def overrides(cls, method: str) -> bool:
        """True when ``cls`` redefines ``method`` of its kind's base class (declared there)."""
        base = next(b for b in cls.__mro__ if b.__dict__.get("hook"))  # the kind's base class
        return getattr(cls, method) is not getattr(base, method)

    @classmethod
    def summary(cls) -> str:
        if cls.description:
            return cls.description
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""

    @classmethod
    def cross_check(cls, options: ComponentOptions, pipeline: ResolvedPipeline) -> list[CrossCheck]:
        """Check this component against the rest of the pipeline, before anything loads.

        Called once per configured instance during validation, after every component's own
        options validated. Return problems (never raise): e.g. a loss naming a teacher id the
        pipeline does not define, or needing a capability no configured teacher has.
        """
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind}:{self.name}>"
