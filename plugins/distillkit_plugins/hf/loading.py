"""Load HF models and tokenizers from a hub id, a folder, a GGUF file, a built-in name or a config.

Only imported when a model is actually loaded (it imports torch and transformers).
"""

from __future__ import annotations

import gc
from typing import Any

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

from distillkit.errors import DistillkitError
from distillkit_plugins.hf.byte_tokenizer import byte_tokenizer
from distillkit_plugins.hf.options import BUILTIN_PREFIX, ModelSourceOptions
from distillkit_plugins.hf.word_tokenizer import word_tokenizer

BYTE_TOKENIZER = "byte"
WORD_TOKENIZER = "words"  # whole numbers and the arithmetic task's words; see word_tokenizer.py
OFFLINE_HINT = (
    "check the name or folder; without network access set HF_HUB_OFFLINE=1 and use a local folder, "
    "a GGUF file, or builtin:smollm2-135m-instruct"
)


class ModelLoadError(DistillkitError):
    """A model or tokenizer could not be loaded; names the source and what would work."""

    exit_code = 2


def resolve(model: str, gguf_file: str | None) -> tuple[str, str | None]:
    """Turn ``builtin:<name>`` into its converted local folder; other sources pass through."""
    if model.startswith(BUILTIN_PREFIX):
        from distillkit_plugins.hf.smollm2 import smollm2_folder

        return str(smollm2_folder()), None
    return model, gguf_file


def pick_device(name: str = "auto") -> torch.device:
    if name != "auto":
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def torch_dtype(name: str, device: torch.device) -> torch.dtype:
    """``auto``: bf16 on a GPU that has it, fp32 elsewhere (CPU fp16/bf16 kernels are slow or missing)."""
    if name != "auto":
        return getattr(torch, name)
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def model_class(config: Any) -> type:
    return AutoModelForSeq2SeqLM if getattr(config, "is_encoder_decoder", False) else AutoModelForCausalLM


def load_tokenizer(source: str, *, gguf_file: str | None = None, revision: str | None = None,
                   trust_remote_code: bool = False) -> Any:
    """A tokenizer from ``byte`` or ``words`` (built in), a built-in model, a folder, a hub id or a GGUF file."""
    if source == BYTE_TOKENIZER:
        return byte_tokenizer()
    if source == WORD_TOKENIZER:
        return word_tokenizer()
    path, gguf = resolve(source, gguf_file)
    try:
        tok = AutoTokenizer.from_pretrained(path, gguf_file=gguf, revision=revision,
                                            trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load tokenizer {source!r}: {exc}\n  hint: {OFFLINE_HINT}") from exc
    ensure_pad_token(tok)
    return tok


def ensure_pad_token(tokenizer: Any) -> None:
    """Batching needs a pad token; causal LMs often lack one, and EOS is the usual stand-in."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ModelLoadError("the tokenizer has neither a pad nor an eos token; batching needs one")
        tokenizer.pad_token = tokenizer.eos_token


def load_pretrained(opts: ModelSourceOptions, *, device: torch.device | None = None) -> tuple[Any, Any]:
    """(model, tokenizer) from ``opts.model`` (+ ``gguf_file``), in eval mode on ``device``."""
    device = device or torch.device("cpu")
    path, gguf = resolve(opts.model, opts.gguf_file)
    common = {"gguf_file": gguf, "revision": opts.revision, "trust_remote_code": opts.trust_remote_code}
    try:
        config = AutoConfig.from_pretrained(path, **common)
        tokenizer = load_tokenizer(opts.model, gguf_file=opts.gguf_file, revision=opts.revision,
                                   trust_remote_code=opts.trust_remote_code)
        model = model_class(config).from_pretrained(path, dtype=torch_dtype(opts.dtype, device), **common)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load model {opts.model!r}: {exc}\n  hint: {OFFLINE_HINT}") from exc
    if gguf:
        strip_gguf_quantizer(model)
    return model.to(device).eval(), tokenizer


def strip_gguf_quantizer(model: Any) -> None:
    """GGUF weights are dequantised on load; forget the quantizer so ``save_pretrained`` writes plain weights."""
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def build_from_config(config: dict[str, Any], tokenizer: Any, *, seed: int = 0) -> Any:
    """A randomly initialised model from a config dict such as ``{model_type: llama, hidden_size: 64}``.

    ``vocab_size`` defaults to the tokenizer's size and the special token ids come from the
    tokenizer, so the two always agree. Initialisation is seeded and leaves the global RNG alone.
    """
    spec = dict(config)
    model_type = spec.pop("model_type")
    spec.setdefault("vocab_size", len(tokenizer))
    if spec["vocab_size"] < len(tokenizer):
        raise ModelLoadError(f"student.config.vocab_size={spec['vocab_size']} is smaller than the tokenizer "
                             f"({len(tokenizer)} tokens); remove it to use the tokenizer's size")
    for name in ("pad_token_id", "bos_token_id", "eos_token_id"):
        spec.setdefault(name, getattr(tokenizer, name))
    try:
        cfg = AutoConfig.for_model(model_type, **spec)
    except ValueError as exc:
        raise ModelLoadError(f"student.config: {exc}") from exc
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return model_class(cfg).from_config(cfg)


def release(model: Any) -> None:
    """Drop a model's weights now rather than whenever the garbage collector gets to them."""
    if model is not None:
        model.to("meta")  # frees the storage even while something else still references the module
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
