"""Batched generation shared by the ``hf`` student and teacher.

Prompts are tokenized once, sorted by length (longest first, so a batch that does not fit in
memory fails at once and batches carry little padding), left-padded for decoder-only models,
generated with the KV cache, and returned in the caller's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from transformers import GenerationConfig

from distillkit_plugins.hf.cpu_decoding import few_row_linears
from distillkit_plugins.hf.stop_strings import StopOnStrings, cut_at_stop


@dataclass
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" (an end token was produced) or "length"


def chat_prompt(tokenizer: Any, prompt: str) -> str:
    """``prompt`` as one user turn in the tokenizer's chat template, ready for the assistant's reply."""
    messages = [{"role": "user", "content": prompt}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def _generation_config(model: Any, tokenizer: Any, *, max_new_tokens: int, num_samples: int,
                       temperature: float, top_p: float) -> GenerationConfig:
    # Built from scratch so a checkpoint's own sampling defaults never leak into greedy decoding.
    sample = temperature > 0
    eos = getattr(model.generation_config, "eos_token_id", None) or tokenizer.eos_token_id
    return GenerationConfig(
        max_new_tokens=max_new_tokens, do_sample=sample, num_return_sequences=num_samples if sample else 1,
        temperature=temperature if sample else None, top_p=top_p if sample else None,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=eos, use_cache=True,
    )


def _eos_ids(config: GenerationConfig) -> set[int]:
    eos = config.eos_token_id
    return set(eos) if isinstance(eos, list) else {eos} if eos is not None else set()


def _completion(tokens: list[int], eos: set[int], pad: int | None, tokenizer: Any, n_prompt: int,
                stop_strings: tuple[str, ...] = (), ended_at: int | None = None) -> Completion:
    if ended_at is not None:  # a stop string ended the row: what follows is padding
        text = tokenizer.decode(tokens[:ended_at], skip_special_tokens=True)
        return Completion(cut_at_stop(text, stop_strings) or "", n_prompt, ended_at, "stop")
    stop = next((i for i, t in enumerate(tokens) if t in eos), None)
    kept = tokens[:stop] if stop is not None else [t for t in tokens if t != pad]
    text = tokenizer.decode(kept, skip_special_tokens=True)
    used = stop + 1 if stop is not None else len(kept)
    return Completion(text, n_prompt, used, "stop" if stop is not None else "length")


@torch.no_grad()
def generate(model: Any, tokenizer: Any, prompts: list[str], *, max_new_tokens: int, num_samples: int = 1,
             temperature: float = 0.0, top_p: float = 1.0, seed: int = 0, batch_size: int = 16,
             add_special_tokens: bool = True, stop: tuple[str, ...] = (),
             processor_for: Callable[[list[int]], Any] | None = None) -> list[list[Completion]]:
    """``num_samples`` completions per prompt, in prompt order (greedy when ``temperature == 0``).

    A row ends at its end token or at the first of the ``stop`` strings (cut from the text, as
    OpenAI's ``stop``), and a batch ends when all its rows have: a few-shot prompt's model that
    would go on writing the next "Question:" costs only the tokens up to it.

    Sampling is seeded without touching the caller's global RNG state, so evaluating during
    training never changes the training run. ``processor_for(prompt indices of a batch)``, when
    given, returns a logits processor for that batch's rows (structured decoding).
    """
    encoded = tokenizer(prompts, add_special_tokens=add_special_tokens)["input_ids"]
    order = sorted(range(len(prompts)), key=lambda i: -len(encoded[i]))
    config = _generation_config(model, tokenizer, max_new_tokens=max_new_tokens, num_samples=num_samples,
                                temperature=temperature, top_p=top_p)
    eos, pad = _eos_ids(config), tokenizer.pad_token_id
    decoder_only = not model.config.is_encoder_decoder
    results: list[list[Completion]] = [[] for _ in prompts]
    was_training = model.training
    model.eval()
    cuda = [model.device.index or 0] if model.device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda), few_row_linears(model):
        torch.manual_seed(seed)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            batch = tokenizer.pad({"input_ids": [encoded[i] for i in idx]}, return_tensors="pt",
                                  padding_side="left" if decoder_only else "right").to(model.device)
            extra = {"logits_processor": [processor_for(idx)]} if processor_for else {}
            stopper = StopOnStrings(tokenizer, stop, batch["input_ids"].shape[1] if decoder_only else 1)
            if stop:
                extra["stopping_criteria"] = [stopper]
            out = model.generate(**batch, generation_config=config, **extra)
            # decoder-only outputs repeat the prompt; encoder-decoder ones start with the decoder start token
            new = out[:, batch["input_ids"].shape[1]:] if decoder_only else out[:, 1:]
            rows = new.view(len(idx), config.num_return_sequences, -1).tolist()
            n = config.num_return_sequences
            for b, (i, samples) in enumerate(zip(idx, rows)):
                results[i] = [_completion(s, eos, pad, tokenizer, len(encoded[i]), stop,
                                          stopper.ended_at.get(b * n + j)) for j, s in enumerate(samples)]
    model.train(was_training)
    if temperature <= 0 and num_samples > 1:  # greedy samples are identical: decode once, repeat
        results = [r * num_samples for r in results]
    return results
