"""Tiny model configs for tests, benchmarks and quick experiments (no download, seconds to build).

Use them as the ``config`` option of the ``hf`` student, e.g. ``student: {type: hf, config:
{model_type: llama, hidden_size: 64, ...}}``; ``tiny_student()`` builds one in Python.
"""

from __future__ import annotations

from typing import Any

TINY_LLAMA: dict[str, Any] = {
    "model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 1024,
}

TINY_T5: dict[str, Any] = {
    "model_type": "t5", "d_model": 64, "d_ff": 128, "d_kv": 16, "num_layers": 2, "num_decoder_layers": 2,
    "num_heads": 4, "decoder_start_token_id": 0,
}


def tiny_student(config: dict[str, Any] | None = None, **options: Any) -> Any:
    """A loaded ``hf`` student built from ``config`` (default: a 2-layer llama over bytes, ~35k params)."""
    from distillkit_plugins.hf.student import HFStudent

    student = HFStudent(config=dict(config or TINY_LLAMA), **options)
    student.load()
    return student
