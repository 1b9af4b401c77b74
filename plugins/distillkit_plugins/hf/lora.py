"""LoRA students through peft (optional dependency): wrap on load, merge into plain weights on save."""

from __future__ import annotations

import copy
from typing import Any

from distillkit_plugins.hf.loading import ModelLoadError
from distillkit_plugins.hf.options import LoraOptions


def apply_lora(model: Any, opts: LoraOptions) -> Any:
    """``model`` wrapped with fresh LoRA adapters; only the adapters are trainable."""
    try:
        from peft import LoraConfig, TaskType, get_peft_model
    except ImportError:
        raise ModelLoadError("student.lora needs peft: pip install 'distillkit[lora]'") from None
    task = TaskType.SEQ_2_SEQ_LM if model.config.is_encoder_decoder else TaskType.CAUSAL_LM
    config = LoraConfig(r=opts.r, lora_alpha=opts.alpha, lora_dropout=opts.dropout,
                        target_modules=opts.target_modules, task_type=task)
    return get_peft_model(model, config)


def is_lora(model: Any) -> bool:
    return hasattr(model, "merge_and_unload") and hasattr(model, "peft_config")


def mergeable_copy(model: Any) -> Any:
    """A plain model with the adapters merged in, for ``save_pretrained``; ``model`` keeps training as is."""
    if not is_lora(model):
        return model
    return copy.deepcopy(model).merge_and_unload()
