"""The structural model of a pipeline file (phase 1 of validation).

Component sections only need ``type:`` here; their other keys are validated in phase 2 by the
``Options`` of the class that ``type`` names.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from distillkit.components.base import MAX_SEED

# a run or teacher name becomes a folder or file name: one safe path component, never "." or ".."
_NAME = r"^[A-Za-z0-9_.-]+$"
_NAME_HINT = "letters, digits, '_', '-' and '.', not only dots (it names a folder)"


def _one_path_component(value: str) -> str:
    if value.strip(".") == "":
        raise ValueError(f"{value!r} is not a usable name: it would name the current or parent folder; use {_NAME_HINT}")
    return value


class ComponentSpec(BaseModel):
    """A component section: ``type`` plus that component's options."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(min_length=1, description="Registered component name; `distillkit components` lists them.")

    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class TeacherSpec(ComponentSpec):
    id: str = Field(pattern=_NAME, max_length=100,
                    description=f"Name other sections use to refer to this teacher. Use {_NAME_HINT}.")
    strategy: ComponentSpec | None = Field(
        None, description="How this teacher is prompted and its output parsed (left out: the default "
        "strategy a plugin declares).",
    )

    _id_is_a_name = field_validator("id")(_one_path_component)

    def options(self) -> dict[str, Any]:
        return {k: v for k, v in (self.model_extra or {}).items()}


class RoundsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    count: int = Field(1, ge=1, description="Rounds of select -> annotate -> train -> evaluate.")
    budget_per_round: int | None = Field(
        None, ge=1, description="Examples the selector may send to the teachers per round (None: all)."
    )
    total_budget: int | None = Field(None, ge=1, description="Examples annotated over the whole run.")
    max_teacher_calls: int | None = Field(None, ge=1, description="Stop when this many teacher calls were paid.")
    max_cost: float | None = Field(None, gt=0, description="Stop when this much money was spent (needs prices).")
    retrain: str = Field(
        "continue", pattern="^(continue|scratch)$",
        description="Each round, continue from the last student or start again from the initial one "
        "(continue or scratch).",
    )


class CacheSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str | None = Field(None, description="SQLite teacher cache; default <output_dir>/teacher_cache.sqlite.")
    enabled: bool = Field(True, description="Read answers from the cache (they are always written).")


class EvaluationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_new_tokens: int = Field(64, ge=1, description="Generation budget of the student at evaluation.")
    batch_size: int = Field(16, ge=1, description="Prompts per generation batch at evaluation.")
    baseline: bool = Field(True, description="Evaluate the student on test before distillation too.")
    teachers: bool = Field(False, description="Also score each teacher's own answers on the test items.")
    max_examples: int | None = Field(None, ge=1, description="Cap on validation/test items evaluated.")


class PipelineSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(pattern=_NAME, max_length=100,
                      description=f"Run name; the default output folder is runs/<name>. Use {_NAME_HINT}.")
    description: str = Field("", description="Free text, copied into the report.")
    seed: int = Field(0, ge=0, le=MAX_SEED - 10_000,  # the trainer seeds round r with seed + r
                      description="Seed for data splits, selection, in-context examples and training.")
    output_dir: str | None = Field(None, description="Run folder (default runs/<name>).")
    task: ComponentSpec = Field(description="A mapping with the data: {type: <task>, ...}; "
                                "`distillkit components task` lists them.")
    teachers: list[TeacherSpec] = Field(default_factory=list, description="A list of teachers, each "
                                        "{id: <name>, type: <teacher>, strategy: {type: ...}, ...}.")
    filters: list[ComponentSpec] = Field(default_factory=list, description="A list of rationale filters, "
                                         "each {type: <filter>, ...}.")
    selector: ComponentSpec | None = Field(None, description="A mapping {type: <selector>, ...}: which pool items "
                                           "are annotated (left out: the default selector a plugin declares).")
    student: ComponentSpec = Field(description="A mapping with the model to train: {type: <student>, ...}; "
                                   "`distillkit components student` lists them.")
    loss: ComponentSpec = Field(description="A mapping with the training objective: {type: <loss>, ...}; "
                                "`distillkit components loss` lists them.")
    trainer: ComponentSpec | None = Field(None, description="A mapping {type: <trainer>, ...} with the training "
                                          "loop's options (left out: the default trainer a plugin declares).")
    metrics: list[ComponentSpec] | None = Field(None, min_length=1,
                                                description="A non-empty list of metrics, each {type: <metric>}; "
                                                "left out: the default metric a plugin declares.")
    callbacks: list[ComponentSpec] = Field(default_factory=list, description="A list of callbacks, each {type: ...}.")
    rounds: RoundsSpec = Field(default_factory=RoundsSpec, description="A mapping such as "
                               "{count: 3, budget_per_round: 32, retrain: continue}.")
    cache: CacheSpec = Field(default_factory=CacheSpec, description="A mapping such as {path: ..., enabled: true}.")
    evaluation: EvaluationSpec = Field(default_factory=EvaluationSpec, description="A mapping such as "
                                       "{max_new_tokens: 64, batch_size: 16}.")

    _name_is_a_name = field_validator("name")(_one_path_component)
