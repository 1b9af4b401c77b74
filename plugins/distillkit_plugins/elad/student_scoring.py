"""Per-token log-probabilities of given continuations under the student (for least confidence).

``StudentModel`` has no scoring method in its base contract. A student may offer one:

    continuation_logprobs(prompts: list[str], continuations: list[str]) -> list[list[float]]

returning, for each pair, the natural-log probability of every continuation token given the
prompt and the continuation tokens before it (the prompt exactly as ``generate`` would see it).
When the student does not, this module computes it from ``student.model`` / ``student.tokenizer``
(any Hugging Face causal or seq2seq LM), tokenizing the prompt with ``student.encode_prompts``
(the ``StudentModel`` contract) so it is scored exactly as ``generate`` sees it, chat template
included. torch is imported only here, on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from distillkit.components import StudentModel

_BATCH = 8


def continuation_logprobs(student: StudentModel, prompts: Sequence[str],
                          continuations: Sequence[str]) -> list[list[float]]:
    if len(prompts) != len(continuations):
        raise ValueError(f"{len(prompts)} prompts but {len(continuations)} continuations")
    own = getattr(student, "continuation_logprobs", None)
    if callable(own):
        return own(list(prompts), list(continuations))
    if student.model is None or student.tokenizer is None:
        raise RuntimeError(f"student {student.name!r} has neither continuation_logprobs() nor a loaded "
                           "Hugging Face model/tokenizer to score with")
    out: list[list[float]] = []
    for i in range(0, len(prompts), _BATCH):
        out += _hf_logprobs(student, prompts[i:i + _BATCH], continuations[i:i + _BATCH])
    return out


def _hf_logprobs(student: StudentModel, prompts: Sequence[str], continuations: Sequence[str]) -> list[list[float]]:
    import torch

    tok, model = student.tokenizer, student.model
    pairs = [(list(ids), list(tok(c, add_special_tokens=False)["input_ids"]))
             for ids, c in zip(student.encode_prompts(list(prompts)), continuations)]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            if model.config.is_encoder_decoder:
                return _seq2seq(model, tok, pairs, torch)
            return _causal(model, tok, pairs, torch)
    finally:
        model.train(was_training)


def _causal(model: Any, tok: Any, pairs: list[tuple[list[int], list[int]]], torch: Any) -> list[list[float]]:
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    seqs = [p + c for p, c in pairs]
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, s in enumerate(seqs):  # right padding: positions stay 0..len-1 for every row
        ids[row, : len(s)] = torch.tensor(s)
        mask[row, : len(s)] = 1
    logprobs = torch.log_softmax(model(input_ids=ids.to(model.device), attention_mask=mask.to(model.device))
                                 .logits.float(), dim=-1).cpu()
    out = []
    for row, (p, c) in enumerate(pairs):
        # the token at position t is predicted by the logits at t - 1
        positions = range(len(p), len(p) + len(c))
        out.append([logprobs[row, t - 1, ids[row, t]].item() for t in positions if t > 0])
    return out


def _seq2seq(model: Any, tok: Any, pairs: list[tuple[list[int], list[int]]], torch: Any) -> list[list[float]]:
    out = []
    for p, c in pairs:  # few items per call: one at a time keeps the padding logic out
        if not c:
            out.append([])
            continue
        enc = torch.tensor([p], device=model.device)
        labels = torch.tensor([c], device=model.device)
        logits = model(input_ids=enc, labels=labels).logits.float()
        lps = torch.log_softmax(logits, dim=-1)[0].cpu()
        out.append([lps[t, c[t]].item() for t in range(len(c))])
    return out
