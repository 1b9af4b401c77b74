"""Per-view token-mean cross entropy from one forward pass, reduced to one mean per loss component.

``component_means`` is the contract every text-level loss relies on: each view contributes
the mean CE over its own target tokens (so a long rationale does not outweigh a short answer
by its length), views are averaged per ``View.component`` (weighted by ``View.weight``), and
the loss's ``combine`` weighs the components. A view or component with no scored token is
absent rather than NaN.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F

from distillkit_plugins.training.collate import Batch


def accepts_logits_to_keep(model: Any) -> bool:
    """Whether the causal LM can compute logits only at chosen positions (saves the LM head on prompts)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "logits_to_keep" in inspect.signature(base.forward).parameters


@contextmanager
def head_only_at(model: Any, keep: torch.Tensor):
    """Apply the output layer only to the hidden states at ``keep`` (the forward's logits come out
    ``[n_kept, vocab]``): no full-vocabulary logits for padding or prompt positions.

    A pre-hook on the output embeddings, so whatever the model does around its head (T5's
    rescaling before it, BART's bias after it) is kept as it is.
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    head = base.get_output_embeddings()
    handle = head.register_forward_pre_hook(lambda module, args: (args[0][keep],) + tuple(args[1:]))
    try:
        yield
    finally:
        handle.remove()


def _seq2seq_logits(model: Any, part: Batch) -> torch.Tensor:
    with head_only_at(model, part.keep):
        out = model(input_ids=part.input_ids, attention_mask=part.attention_mask,
                    decoder_input_ids=part.decoder_input_ids, use_cache=False)
    return out.logits


def scored_logits(model: Any, batch: Batch, *, keep_supported: bool) -> torch.Tensor:
    """Logits at the scored positions only, ``[n_scored, vocab]``, in ``batch.labels`` order."""
    if batch.parts is not None:
        return torch.cat([_seq2seq_logits(model, part) for part in batch.parts])
    if batch.decoder_input_ids is not None:
        return _seq2seq_logits(model, batch)
    kwargs = {"input_ids": batch.input_ids, "position_ids": batch.position_ids,
              "attention_mask": batch.attention_mask, "use_cache": False}
    if keep_supported:
        kwargs["logits_to_keep"] = batch.keep
    logits = model(**kwargs).logits
    return logits if logits.dim() == 2 else logits[batch.keep]


def token_ce(logits: torch.Tensor, batch: Batch) -> torch.Tensor:
    """Cross entropy of every scored token, ``[n_scored]`` (in fp32 whatever the autocast dtype)."""
    return F.cross_entropy(logits.float(), batch.labels, reduction="none")


def view_means(values: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean of a per-token value per view, scored tokens per view), both ``[n_views]``."""
    n_views = batch.view_component.numel()
    sums = torch.zeros(n_views, device=values.device, dtype=values.dtype).index_add(0, batch.token_view, values)
    counts = torch.bincount(batch.token_view, minlength=n_views).to(values.dtype)
    return sums / counts.clamp(min=1), counts


def component_means(view_mean: torch.Tensor, view_tokens: torch.Tensor, batch: Batch,
                    n_components: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(weighted mean of view means per component ``[C]``, whether the component is present ``[C]``)."""
    weight = batch.view_weight.to(view_mean.device) * (view_tokens > 0)
    comp = batch.view_component.to(view_mean.device)
    num = torch.zeros(n_components, device=view_mean.device, dtype=view_mean.dtype).index_add(
        0, comp, weight * view_mean)
    den = torch.zeros(n_components, device=view_mean.device, dtype=view_mean.dtype).index_add(0, comp, weight)
    return num / den.clamp(min=torch.finfo(den.dtype).tiny), den > 0


def present_means(means: torch.Tensor, present: torch.Tensor, names: list[str]) -> dict[str, torch.Tensor]:
    """``{component: mean}`` for the components that have at least one scored token in the batch."""
    return {name: means[i] for i, (name, here) in enumerate(zip(names, present.tolist())) if here}


def batch_loss(loss: Any, terms: dict[str, torch.Tensor], anchor: torch.Tensor) -> torch.Tensor:
    """The loss's total over the components present; 0 (still in the graph) when none is present."""
    total = loss.combine(terms) if terms else None
    return total if total is not None else anchor.sum() * 0.0


@torch.no_grad()
def packing_is_exact(model: Any, *, keep_supported: bool) -> bool:
    """Whether ``model`` keeps packed views apart: per-view losses packed == padded, on two short views.

    Packing relies on the model turning restarting position ids into a block-diagonal mask;
    a model that ignores them would silently let views attend to each other.
    """
    from distillkit_plugins.training.collate import collate
    from distillkit_plugins.training.encode import EncodedView

    vocab = model.config.vocab_size
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, vocab, (19,), generator=gen).tolist()
    views = [EncodedView(ids[:5], ids[5:8], 0, 1.0), EncodedView(ids[8:12], ids[12:19], 0, 1.0)]
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        batches = [collate(views, layout=layout, pad_id=0, row_length=64).to(device) for layout in ("pack", "pad")]
        losses = [view_means(token_ce(scored_logits(model, b, keep_supported=keep_supported), b), b)[0]
                  for b in batches]
    finally:
        model.train(was_training)
    tol = 1e-4 if next(model.parameters()).dtype == torch.float32 else 2e-2
    return torch.allclose(losses[0], losses[1], rtol=tol, atol=tol)
