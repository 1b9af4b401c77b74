"""Teacher top-k log-probabilities per target token, computed once before training, stored with safetensors.

The teacher scores each view's target TEXT (+ the eos text) after the view's prompt text through
``Teacher.score`` (so any teacher with the ``score`` capability can); the ids it returns must be
the ids the student trains on, so the two must share a tokenizer: a mismatch is an error naming
the view, before anything is trained.
Entries are keyed by a hash of a view's token ids: a view whose text or tokenization changes
gets a new key and is scored again, never paired with stale numbers. The teacher is loaded,
used and released before the first training step.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import torch

from distillkit.errors import DistillkitError
from distillkit_plugins.training.encode import EncodedView


def view_key(view: EncodedView) -> str:
    data = ",".join(map(str, view.prompt)) + "|" + ",".join(map(str, view.target))
    return hashlib.sha1(data.encode()).hexdigest()


def load_table(path: Path) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    from safetensors.torch import load_file

    if not path.is_file():
        return {}
    flat = load_file(str(path))
    return {k[:-4]: (flat[k], flat[k[:-4] + ".lps"]) for k in flat if k.endswith(".ids")}


def _save_table(path: Path, table: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> None:
    from safetensors.torch import save_file

    flat = {}
    for key, (ids, lps) in table.items():
        flat[key + ".ids"], flat[key + ".lps"] = ids.contiguous(), lps.contiguous()
    tmp = path.with_suffix(".tmp")
    save_file(flat, str(tmp))
    os.replace(tmp, path)


def texts_by_prompt(student: Any, pairs: list[tuple[str, str]]) -> dict[str, list[tuple[list[int], str, str]]]:
    """The student's prompt ids (as a key) -> [(full target ids incl. eos, prompt text, target text)]."""
    tok = student.tokenizer
    prompts = student.encode_prompts([p for p, _ in pairs]) if pairs else []
    targets = tok([t for _, t in pairs], add_special_tokens=False)["input_ids"] if pairs else []
    out: dict[str, list[tuple[list[int], str, str]]] = {}
    for (prompt, target), p_ids, t_ids in zip(pairs, prompts, targets):
        out.setdefault(",".join(map(str, p_ids)), []).append((list(t_ids) + [tok.eos_token_id], prompt, target))
    return out


def _texts_of(view: EncodedView, texts: dict[str, list[tuple[list[int], str, str]]]) -> tuple[str, str]:
    for full, prompt, target in texts.get(",".join(map(str, view.prompt)), []):
        if full[:len(view.target)] == view.target:  # a truncated view is a prefix of its full target
            return prompt, target
    raise DistillkitError(f"logit_kd: no text recorded for a training view (key {view_key(view)}); the loss's "
                          "views() made every view the trainer got, so this is a bug")


def precompute(scorer: Any, texts: dict[str, list[tuple[list[int], str, str]]], views: list[EncodedView],
               path: Path, *, top_k: int, eos_text: str) -> int:
    """Score the views not yet in ``path`` with ``scorer`` (``Scorer.score``); returns how many were scored."""
    table = load_table(path)
    todo = {view_key(v): v for v in views if view_key(v) not in table}
    if not todo:
        return 0
    pending = list(todo.items())
    pairs = [_texts_of(v, texts) for _, v in pending]
    scores = scorer.score([p for p, _ in pairs], [t + eos_text for _, t in pairs], top_k=top_k)
    for (key, view), (prompt, target), s in zip(pending, pairs, scores):
        n = len(view.target)
        if list(s.token_ids[:n]) != list(view.target) or s.top_ids is None:
            why = ("returned no top-k log-probs" if s.top_ids is None else
                   f"tokenized the target differently (student {view.target[:8]}..., teacher {s.token_ids[:8]}...)")
            raise DistillkitError(
                f"logit distillation: teacher {scorer.teacher_id!r} {why} for target {target[:60]!r}\n"
                "  hint: give the student the teacher's tokenizer (student.tokenizer: <teacher model>, or cut the "
                "student from the teacher with init_from/keep_layers), or use a text-level loss such as "
                "multitask_rationale")
        table[key] = (torch.tensor(s.top_ids[:n], dtype=torch.int32),
                      torch.tensor(s.top_logprobs[:n], dtype=torch.float32))
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_table(path, table)
    return len(todo)


def aligned(table: dict[str, tuple[torch.Tensor, torch.Tensor]], batch: Any, views: list[EncodedView],
            device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher (ids, log-probs) rows in the order of ``batch.labels``.

    A view's scored tokens are contiguous in ``batch.labels``; when its prompt is empty the
    first target token is not scored, hence the last ``count`` rows.
    """
    order, counts = torch.unique_consecutive(batch.token_view.cpu(), return_counts=True)
    ids, lps = [], []
    for v, n in zip(order.tolist(), counts.tolist()):
        key = view_key(views[v])
        if key not in table:
            raise DistillkitError(f"no teacher log-probs for a training view (key {key}); rerun to score it")
        ids.append(table[key][0][-n:])
        lps.append(table[key][1][-n:])
    return torch.cat(ids).to(device), torch.cat(lps).to(device)
