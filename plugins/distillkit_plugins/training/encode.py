"""Tokenize training views once, before the loop: prompt ids, target ids, truncation counts.

Decoder-only: the sequence is ``prompt + target + eos`` and only target tokens (and eos) are
scored. Encoder-decoder: the prompt is the encoder input and ``target`` the labels. Prompt and
target are tokenized separately, as at inference (where the prompt is tokenized alone), so the
boundary never merges into one token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from distillkit.types import View


@dataclass
class EncodedView:
    prompt: list[int]
    target: list[int]  # the scored tokens (decoder-only: includes the final eos when it fits)
    component: int  # index into EncodedViews.components
    weight: float

    @property
    def length(self) -> int:
        return len(self.prompt) + len(self.target)


@dataclass
class EncodedViews:
    views: list[EncodedView]
    components: list[str]
    groups: list[list[int]]  # per example: indices into views
    stats: dict[str, int] = field(default_factory=dict)  # views, truncated, dropped


def encode_views(student: Any, views: Sequence[View], max_length: int) -> EncodedViews:
    """Tokenize ``views`` for ``student``; views longer than ``max_length`` lose their target's tail.

    A view whose prompt alone fills ``max_length`` has nothing left to score: it is dropped and
    counted in ``stats["dropped"]`` (never trained on as an empty target).
    """
    tok = student.tokenizer
    seq2seq = bool(student.is_encoder_decoder)
    prompts = student.encode_prompts([v.prompt for v in views])
    # seq2seq labels carry the tokenizer's own end token; decoder-only targets get eos appended
    targets = tok([v.target for v in views], add_special_tokens=seq2seq)["input_ids"]
    components: dict[str, int] = {}
    group_of: dict[str, int] = {}
    groups: list[list[int]] = []
    out: list[EncodedView] = []
    truncated = dropped = 0
    for view, prompt, target in zip(views, prompts, targets):
        if not seq2seq:
            target = target + [tok.eos_token_id]
            room = max_length - len(prompt)
        else:
            prompt, room = prompt[:max_length], max_length
        if room <= 0:
            dropped += 1
            continue
        truncated += len(target) > room
        comp = components.setdefault(view.component, len(components))
        group = group_of.setdefault(view.example_id, len(group_of))
        if group == len(groups):
            groups.append([])
        groups[group].append(len(out))
        out.append(EncodedView(prompt, target[:room], comp, view.weight))
    stats = {"views": len(out), "truncated": truncated, "dropped": dropped}
    return EncodedViews(out, list(components), groups, stats)
