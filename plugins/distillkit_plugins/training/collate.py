"""Lay the views of one micro-batch out as tensors for ONE forward pass.

Three layouts, all scoring only target tokens:

- ``pack`` (decoder-only): views are bin-packed into rows of at most ``row_length`` tokens;
  position ids restart at every view, which transformers turns into a block-diagonal causal
  mask (no attention across views), so almost no compute goes to padding.
- ``pad`` (decoder-only): one row per view, right-padded to the longest view of the batch.
- ``seq2seq``: prompts are the encoder input, targets the decoder labels, both padded. Views
  are grouped by length first (a 5-token answer is not padded to a 150-token rationale; the
  grouping with the fewest padded positions plus a cost per pass): each group is one ``part``
  with its own forward pass, and the loss is taken over all parts.

``keep`` marks the positions whose logits predict a target token; ``labels`` and
``token_view`` list those tokens and their view in row-major order (the order in which
``logits[keep]`` comes out).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch

from distillkit_plugins.training.encode import EncodedView

LAYOUTS = ("pack", "pad", "seq2seq")


@dataclass
class Batch:
    input_ids: torch.Tensor  # [rows, length]
    keep: torch.Tensor  # bool [rows, length] (seq2seq: over the decoder positions)
    labels: torch.Tensor  # [n_scored]
    token_view: torch.Tensor  # [n_scored] view index of each scored token
    view_component: torch.Tensor  # [n_views]
    view_weight: torch.Tensor  # [n_views]
    real_tokens: int  # prompt + target tokens, padding excluded
    position_ids: torch.Tensor | None = None
    attention_mask: torch.Tensor | None = None
    decoder_input_ids: torch.Tensor | None = None
    # seq2seq: sub-batches of similar target length, one forward each; their scored tokens, in
    # part order, are ``labels``/``token_view`` above (the top-level tensors are then unused)
    parts: list[Batch] | None = None

    def to(self, device: torch.device) -> Batch:
        moved = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, value in moved.items():
            if isinstance(value, torch.Tensor):
                moved[name] = value.to(device, non_blocking=True)
        if self.parts is not None:
            moved["parts"] = [part.to(device) for part in self.parts]
        return Batch(**moved)


def pack_rows(lengths: list[int], capacity: int) -> list[list[int]]:
    """First-fit decreasing: indices grouped into rows whose lengths sum to at most ``capacity``."""
    rows: list[list[int]] = []
    fill: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        row = next((r for r, f in enumerate(fill) if f + lengths[i] <= capacity), None)
        if row is None:
            rows.append([])
            fill.append(0)
            row = len(rows) - 1
        rows[row].append(i)
        fill[row] += lengths[i]
    return rows


def _scored(view: EncodedView, offset: int) -> tuple[range, list[int]]:
    """Positions whose logits predict the view's target tokens, and those tokens."""
    first = max(len(view.prompt), 1)  # with an empty prompt, the first target token has no predictor
    return range(offset + first - 1, offset + view.length - 1), (view.prompt + view.target)[first:]


def _decoder_only(views: list[EncodedView], rows: list[list[int]], pad_id: int, packed: bool) -> Batch:
    width = max(sum(views[i].length for i in row) for row in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    pos = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    keep = torch.zeros((len(rows), width), dtype=torch.bool)
    labels: list[int] = []
    token_view: list[int] = []
    for r, row in enumerate(rows):
        offset = 0
        for i in row:
            v = views[i]
            ids[r, offset:offset + v.length] = torch.tensor(v.prompt + v.target)
            pos[r, offset:offset + v.length] = torch.arange(v.length)
            mask[r, offset:offset + v.length] = 1
            where, tokens = _scored(v, offset)
            keep[r, where.start:where.stop] = True
            labels += tokens
            token_view += [i] * len(tokens)
            offset += v.length
        pos[r, offset:] = torch.arange(width - offset)  # padding: its own segment, never scored
    return Batch(
        input_ids=ids, keep=keep, labels=torch.tensor(labels, dtype=torch.long),
        token_view=torch.tensor(token_view, dtype=torch.long), **_view_info(views),
        position_ids=pos if packed else None, attention_mask=None if packed else mask,
    )


# What one extra forward/backward pass costs, in padded positions (measured on Flan-T5-shaped students at
# 1 thread: ~85-105; python, per-pass gradients of the embedding and head): more groups pay only when
# they save more padding than this.
PASS_COST = 96


def length_groups(sizes: list[tuple[int, int]], *, pass_cost: int = PASS_COST) -> list[list[int]]:
    """Indices grouped (shortest target first) so that padded positions plus ``pass_cost`` per group
    are fewest. ``sizes`` are (prompt, target) lengths; a group of n views costs
    ``n * (longest prompt + longest target) + pass_cost``. Exact over groups that are contiguous in
    (target, prompt) order, by dynamic programming."""
    order = sorted(range(len(sizes)), key=lambda i: (sizes[i][1], sizes[i][0]))
    best, cut = [0.0] + [float("inf")] * len(order), [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        src = tgt = 0
        for start in range(end - 1, -1, -1):  # the group order[start:end]
            src, tgt = max(src, sizes[order[start]][0]), max(tgt, sizes[order[start]][1])
            cost = best[start] + (end - start) * (src + tgt) + pass_cost
            if cost < best[end]:
                best[end], cut[end] = cost, start
    groups, end = [], len(order)
    while end > 0:
        groups.append(order[cut[end]:end])
        end = cut[end]
    return groups[::-1]


def _seq2seq_part(views: list[EncodedView], index: list[int], pad_id: int, decoder_start_id: int) -> Batch:
    n = len(views)
    src = max(len(v.prompt) for v in views)
    tgt = max(max(len(v.target) for v in views), 1)
    ids = torch.full((n, src), pad_id, dtype=torch.long)
    mask = torch.zeros((n, src), dtype=torch.long)
    label_grid = torch.full((n, tgt), pad_id, dtype=torch.long)
    keep = torch.zeros((n, tgt), dtype=torch.bool)
    for i, v in enumerate(views):
        ids[i, :len(v.prompt)] = torch.tensor(v.prompt)
        mask[i, :len(v.prompt)] = 1
        label_grid[i, :len(v.target)] = torch.tensor(v.target)
        keep[i, :len(v.target)] = True
    rows = torch.tensor(index, dtype=torch.long)
    return Batch(
        input_ids=ids, keep=keep, labels=label_grid[keep],
        token_view=rows.unsqueeze(1).expand(n, tgt)[keep], **_view_info(views),
        attention_mask=mask,
        # teacher forcing: the decoder sees the start token, then the labels shifted right by one
        decoder_input_ids=torch.cat([torch.full((n, 1), decoder_start_id), label_grid[:, :-1]], dim=1),
    )


def _seq2seq(views: list[EncodedView], pad_id: int, decoder_start_id: int, grouped: bool) -> Batch:
    sizes = [(len(v.prompt), len(v.target)) for v in views]
    groups = length_groups(sizes) if grouped else [list(range(len(views)))]
    parts = [_seq2seq_part([views[i] for i in g], g, pad_id, decoder_start_id) for g in groups]
    info = _view_info(views)
    if len(parts) == 1:
        return replace(parts[0], **info)
    return Batch(input_ids=torch.empty(0, dtype=torch.long), keep=torch.empty(0, dtype=torch.bool),
                 labels=torch.cat([p.labels for p in parts]),
                 token_view=torch.cat([p.token_view for p in parts]), parts=parts, **info)


def _view_info(views: list[EncodedView]) -> dict:
    return {
        "view_component": torch.tensor([v.component for v in views], dtype=torch.long),
        "view_weight": torch.tensor([v.weight for v in views], dtype=torch.float32),
        "real_tokens": sum(v.length for v in views),
    }


def collate(views: list[EncodedView], *, layout: str, pad_id: int, row_length: int,
            decoder_start_id: int | None = None, group_by_target_length: bool = True) -> Batch:
    """One ``Batch`` holding every view in ``views``; see the module docstring for the layouts."""
    if layout == "seq2seq":
        start = pad_id if decoder_start_id is None else decoder_start_id
        return _seq2seq(views, pad_id, start, group_by_target_length)
    if layout == "pack":
        rows = pack_rows([v.length for v in views], max(row_length, max(v.length for v in views)))
        return _decoder_only(views, rows, pad_id, packed=True)
    if layout == "pad":
        return _decoder_only(views, [[i] for i in range(len(views))], pad_id, packed=False)
    raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
