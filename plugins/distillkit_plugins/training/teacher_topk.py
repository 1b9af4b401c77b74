"""Teacher top-k log-probabilities per target token, computed once before training, stored with safetensors.

The teacher scores exactly the token ids the student trains on (prompt + target + eos), so the
two must share a tokenizer: ``check_same_vocab`` says so clearly before anything is scored.
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


def check_same_vocab(teacher_tokenizer: Any, student_tokenizer: Any, teacher_name: str) -> None:
    """Raise unless both tokenizers map every token to the same id (logit losses compare ids)."""
    t, s = teacher_tokenizer.get_vocab(), student_tokenizer.get_vocab()
    if t == s:
        return
    differing = sum(1 for tok, i in s.items() if t.get(tok) != i)
    raise DistillkitError(
        f"logit distillation: the student's tokenizer ({len(s)} tokens) differs from teacher {teacher_name!r}'s "
        f"({len(t)} tokens; {differing} student tokens have another id or are missing).\n"
        "  hint: give the student the teacher's tokenizer (student.tokenizer: <teacher model>, or cut the student "
        "from the teacher with init_from/keep_layers), or use a text-level loss such as multitask_rationale"
    )


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


def precompute(teacher: Any, student_tokenizer: Any, views: list[EncodedView], path: Path, *,
               top_k: int) -> int:
    """Score the views not yet in ``path`` with ``teacher`` (an ``hf`` teacher); returns how many were scored.

    The teacher is set up only if something is missing, and closed before returning.
    """
    from distillkit_plugins.hf.scoring import score

    table = load_table(path)
    todo = {view_key(v): v for v in views if view_key(v) not in table}
    if not todo:
        return 0
    teacher.setup()
    try:
        check_same_vocab(teacher.tokenizer, student_tokenizer, teacher.options.model)
        pending = list(todo.items())
        scores = score(teacher.model, teacher.tokenizer, [v.prompt for _, v in pending], [v.target for _, v in pending],
                       top_k=top_k, batch_size=teacher.options.batch_size)
    finally:
        teacher.close()
    for (key, _), s in zip(pending, scores):
        table[key] = (torch.tensor(s.top_ids, dtype=torch.int32), torch.tensor(s.top_logprobs, dtype=torch.float32))
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
