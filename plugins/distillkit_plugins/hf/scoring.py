"""Token log-probabilities of given continuations under a local model (the teacher ``score`` capability).

``score`` works on token ids: the caller (the ``hf`` teacher) formats and tokenizes. One forward
pass per batch of ``batch_size`` pairs, right-padded; the logits at position ``j - 1`` predict
token ``j``, so only the continuation's positions are read. Log-softmax is taken in fp32.
"""

from __future__ import annotations

from typing import Any

import torch

from distillkit.types import TokenLogprobs


def _rows(model: Any, tokenizer: Any, prompt_ids: list[list[int]], target_ids: list[list[int]]) -> list[torch.Tensor]:
    """Logits predicting each target token, one ``[len(target), vocab]`` tensor per pair, one forward pass."""
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
          top_k: int = 20, batch_size: int = 8) -> list[TokenLogprobs]:
    """Scores of ``target_ids[i]`` after ``prompt_ids[i]``, in order. Prompts must not be empty.

    ``top_k == 0``: only the log-probability of each given token (``top_ids`` is None).
    Pairs are batched by length (longest first) so a batch carries little padding.
    """
    if any(not p for p in prompt_ids):
        raise ValueError("score: every prompt needs at least one token (the first target token needs a context)")
    out: list[TokenLogprobs | None] = [None] * len(prompt_ids)
    order = sorted(range(len(prompt_ids)), key=lambda i: -(len(prompt_ids[i]) + len(target_ids[i])))
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(order), batch_size):
            idx = [i for i in order[start:start + batch_size] if target_ids[i]]
            for i in order[start:start + batch_size]:
                if not target_ids[i]:
                    out[i] = TokenLogprobs([], [], tokens=[], top_ids=[] if top_k else None,
                                           top_logprobs=[] if top_k else None)
            if not idx:
                continue
            rows = _rows(model, tokenizer, [prompt_ids[i] for i in idx], [target_ids[i] for i in idx])
            for i, logits in zip(idx, rows):
                target = target_ids[i]
                logp = torch.log_softmax(logits.float(), dim=-1)
                chosen = logp.gather(-1, torch.tensor(target, device=logp.device).unsqueeze(-1)).squeeze(-1)
                top = logp.topk(min(top_k, logp.shape[-1]), dim=-1) if top_k else None
                out[i] = TokenLogprobs(
                    token_ids=list(target), logprobs=chosen.tolist(),
                    tokens=tokenizer.convert_ids_to_tokens(list(target)),
                    top_ids=top.indices.tolist() if top is not None else None,
                    top_logprobs=top.values.tolist() if top is not None else None)
    finally:
        model.train(was_training)
    return out  # type: ignore[return-value]
