"""Token log-probabilities of given continuations under a local model (teacher "score" capability).

Logit distillation stores these offline (top-k per target token), so the teacher never has to
be in memory while the student trains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class TokenScores:
    """Per continuation token: its id, its log-probability, and the model's top-k (ids, logprobs)."""

    token_ids: list[int]
    logprobs: list[float]
    top_ids: list[list[int]]
    top_logprobs: list[list[float]]


def _rows(model: Any, tokenizer: Any, prompt_ids: list[list[int]], target_ids: list[list[int]]) -> torch.Tensor:
    """Logits predicting each target token, one [len(target), vocab] tensor per pair, in one forward pass."""
    if model.config.is_encoder_decoder:
        enc = tokenizer.pad({"input_ids": prompt_ids}, return_tensors="pt").to(model.device)
        labels = tokenizer.pad({"input_ids": target_ids}, return_tensors="pt")["input_ids"].to(model.device)
        logits = model(**enc, decoder_input_ids=model.prepare_decoder_input_ids_from_labels(labels=labels)).logits
        return [logits[i, : len(t)] for i, t in enumerate(target_ids)]
    seqs = [p + t for p, t in zip(prompt_ids, target_ids)]
    batch = tokenizer.pad({"input_ids": seqs}, return_tensors="pt", padding_side="right").to(model.device)
    logits = model(**batch).logits
    # the token at position j is predicted by the logits at position j - 1
    return [logits[i, len(p) - 1: len(p) - 1 + len(t)] for i, (p, t) in enumerate(zip(prompt_ids, target_ids))]


@torch.no_grad()
def score(model: Any, tokenizer: Any, prompt_ids: list[list[int]], target_ids: list[list[int]], *,
          top_k: int = 20, batch_size: int = 8) -> list[TokenScores]:
    """Scores of ``target_ids[i]`` after ``prompt_ids[i]``, in order. Prompts must not be empty."""
    if any(not p for p in prompt_ids):
        raise ValueError("score: every prompt needs at least one token (the first target token needs a context)")
    out: list[TokenScores] = []
    for start in range(0, len(prompt_ids), batch_size):
        chunk = slice(start, start + batch_size)
        for logits, target in zip(_rows(model, tokenizer, prompt_ids[chunk], target_ids[chunk]), target_ids[chunk]):
            logp = torch.log_softmax(logits.float(), dim=-1)
            chosen = logp.gather(-1, torch.tensor(target, device=logp.device).unsqueeze(-1)).squeeze(-1)
            top = logp.topk(min(top_k, logp.shape[-1]), dim=-1)
            out.append(TokenScores(list(target), chosen.tolist(), top.indices.tolist(), top.values.tolist()))
    return out
