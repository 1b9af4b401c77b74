"""Stop strings for ``generate``: a row ends once its new text contains one of them.

transformers' own ``stop_strings`` match on the vocabulary's token strings, which byte-level
and custom tokenizers do not expose; decoding each row's new tokens works with any tokenizer
and costs little next to a decoding step.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import StoppingCriteria


def cut_at_stop(text: str, stop: tuple[str, ...]) -> str | None:
    """``text`` before the first stop string (as OpenAI's ``stop``), or None when none occurs."""
    cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=None)
    return None if cut is None else text[:cut]


class StopOnStrings(StoppingCriteria):
    """Marks a row done at the first step its new text contains a stop string.

    ``ended_at[row]`` is how many new tokens the row had then (its completion length).
    """

    def __init__(self, tokenizer: Any, stop: tuple[str, ...], new_from: int):
        self.tokenizer, self.stop, self.new_from = tokenizer, stop, new_from
        self.ended_at: dict[int, int] = {}
        self._longest = max((len(s) for s in stop), default=0)

    def _tail(self, tokens: torch.Tensor) -> str:
        """Decoded text of the last tokens, reaching far enough back that a stop string ending in
        the newest token starts inside it. Earlier steps checked everything before, so only such a
        string can be new; decoding the tail keeps a step's cost flat instead of growing with the
        reply. The slack covers a character cut in two at the tail's start."""
        width = self._longest + 2
        while width < len(tokens):
            before = self.tokenizer.decode(tokens[-width:-1], skip_special_tokens=True)
            if len(before) >= self._longest + 4:
                break
            width *= 2
        return self.tokenizer.decode(tokens[-width:], skip_special_tokens=True)

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        new = input_ids[:, self.new_from:]
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        for row in range(input_ids.shape[0]):
            if row not in self.ended_at and cut_at_stop(self._tail(new[row]), self.stop) is not None:
                self.ended_at[row] = new.shape[1]
            done[row] = row in self.ended_at
        return done
