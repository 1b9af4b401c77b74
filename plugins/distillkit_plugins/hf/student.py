"""The ``hf`` student: any Hugging Face causal or seq2seq LM, pretrained, built from a config,
or cut from a teacher by keeping a subset of its layers; optionally with LoRA adapters."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from distillkit.components import StudentModel
from distillkit_plugins.hf.options import LoraOptions, ModelSourceOptions

SOURCES = ("model", "config", "init_from")
DEFAULT_MODEL = "builtin:smollm2-135m-instruct"  # the real small model available offline here


class HFStudent(StudentModel):
    """Hugging Face causal/seq2seq LM student (pretrained, tiny-from-config, layer subset, LoRA).

    The source is one of ``model`` (default: builtin:smollm2-135m-instruct), ``config`` (a
    tiny model built from a config dict, byte-level tokenizer unless ``tokenizer`` names one) or
    ``init_from`` + ``keep_layers`` (a student cut from a teacher). Prompts are plain text by
    default (``chat_template`` off); ``generate`` returns only the continuation.
    """

    name = "hf"

    class Options(ModelSourceOptions):
        model: str | None = Field(
            None, description="Hub id, local folder, or builtin:smollm2-135m-instruct (the default when "
            "neither config nor init_from is set).",
        )
        config: dict[str, Any] | None = Field(
            None, description="Build a randomly initialised model from this config instead of loading one, "
            "e.g. {model_type: llama, hidden_size: 64, num_hidden_layers: 2, ...}.",
        )
        tokenizer: str | None = Field(
            None, description="Tokenizer source: `byte` (built-in byte-level, no download), `words` (built-in: whole numbers and "
            "the synthetic arithmetic task's words, one token each), a folder, hub id or "
            "builtin model. Default: the model's own; `byte` for a model built from `config`.",
        )
        init_from: str | None = Field(
            None, description="Cut the student from this model (same forms as `model`), keeping `keep_layers`.",
        )
        keep_layers: int | list[int] | None = Field(
            None, description="With init_from: keep every k-th decoder layer (an int k >= 1, from layer 0) "
            "or exactly the listed layer indices.",
        )
        lora: LoraOptions | None = Field(None, description="Train LoRA adapters (peft) instead of all weights.")
        freeze_embeddings: bool = Field(
            False, description="Keep the token embeddings fixed (and the output layer when it shares them, as "
            "SmolLM2's does). A 49k-token vocabulary is two thirds of a 4-layer cut's weights: freezing it "
            "skips their gradient and optimizer update; the pretrained embeddings stay as they are.",
        )
        max_length: int = Field(512, ge=8, description="Longest prompt+target sequence, in tokens.")
        chat_template: bool = Field(
            False, description="Wrap prompts in the tokenizer's chat template (off: plain `prompt -> target`).",
        )
        init_seed: int = Field(0, description="Seed of the random initialisation of a model built from `config`.")
        generation_batch_size: int = Field(16, ge=1, description="Prompts per batch in generate().")

        @model_validator(mode="before")
        @classmethod
        def _default_source(cls, data: Any) -> Any:
            if isinstance(data, dict) and all(data.get(n) is None for n in SOURCES):
                return {**data, "model": DEFAULT_MODEL}
            return data

        @model_validator(mode="after")
        def _one_source(self):
            sources = [n for n in SOURCES if getattr(self, n) is not None]
            if len(sources) != 1:
                raise ValueError(f"set only one of model, config, init_from (got {', '.join(sources)})")
            if (self.init_from is None) != (self.keep_layers is None):
                raise ValueError("init_from and keep_layers go together (keep_layers picks the layers to keep)")
            if isinstance(self.keep_layers, int) and self.keep_layers < 1:
                raise ValueError("keep_layers as an int (every k-th layer) must be >= 1")
            if self.config is not None and "model_type" not in self.config:
                raise ValueError("config needs a model_type, e.g. llama, gpt2, t5")
            return self

    def load(self, path: Path | None = None) -> tuple[Any, Any]:
        """Load from the configured source, or from ``path`` (a folder ``save`` wrote); LoRA is re-applied."""
        from distillkit_plugins.hf import loading
        from distillkit_plugins.hf.layer_subset import keep_layers
        from distillkit_plugins.hf.lora import apply_lora

        self.model = self.tokenizer = None
        gc.collect()  # a reload (resume, ELAD's retrain) should not hold two models at once
        opts = self.options
        if path is not None:
            model, tok = loading.load_pretrained(opts.model_copy(update={"model": str(path), "gguf_file": None}))
        elif opts.config is not None:
            tok = loading.load_tokenizer(opts.tokenizer or loading.BYTE_TOKENIZER)
            model = loading.build_from_config(opts.config, tok, seed=opts.init_seed)
        else:
            model, tok = loading.load_pretrained(opts.model_copy(update={"model": opts.model or opts.init_from}))
            if opts.tokenizer:
                tok = loading.load_tokenizer(opts.tokenizer)
            if opts.init_from:
                model = keep_layers(model, opts.keep_layers)
        if opts.lora is not None:
            model = apply_lora(model, opts.lora)
        if opts.freeze_embeddings:
            # a tied output layer is the same Parameter, so it is frozen with them
            model.get_input_embeddings().weight.requires_grad_(False)
        self.model, self.tokenizer = model.eval(), tok  # the trainer switches to train mode itself
        self.is_encoder_decoder = bool(model.config.is_encoder_decoder)
        return model, tok

    def format_prompt(self, prompt: str) -> str:
        """The text the model sees for ``prompt`` (chat-wrapped when ``chat_template`` is on)."""
        if not self.options.chat_template:
            return prompt
        from distillkit_plugins.hf.generation import chat_prompt

        return chat_prompt(self.tokenizer, prompt)

    def encode_prompts(self, prompts: list[str]) -> list[list[int]]:
        """Token ids of each prompt exactly as ``generate`` feeds it (the trainer tokenizes views with this)."""
        # A chat template already writes the special tokens; adding them again would double BOS.
        texts = [self.format_prompt(p) for p in prompts]
        return self.tokenizer(texts, add_special_tokens=not self.options.chat_template)["input_ids"]

    def generate(self, prompts: list[str], *, max_new_tokens: int = 64, num_samples: int = 1,
                 temperature: float = 0.0, seed: int = 0) -> list[list[str]]:
        from distillkit_plugins.hf.generation import generate

        self._require_loaded()
        out = generate(self.model, self.tokenizer, [self.format_prompt(p) for p in prompts],
                       max_new_tokens=max_new_tokens, num_samples=num_samples, temperature=temperature,
                       seed=seed, batch_size=self.options.generation_batch_size,
                       add_special_tokens=not self.options.chat_template)
        return [[c.text for c in samples] for samples in out]

    def save(self, path: Path) -> None:
        """``save_pretrained`` + tokenizer into ``path``; LoRA adapters are merged into plain weights."""
        from distillkit_plugins.hf.lora import mergeable_copy

        self._require_loaded()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        mergeable_copy(self.model).save_pretrained(path)
        self.tokenizer.save_pretrained(path)

    def _require_loaded(self) -> None:
        if self.model is None:
            raise RuntimeError("the hf student is not loaded: call load() first")
