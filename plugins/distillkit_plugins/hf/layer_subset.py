"""Cut a student out of a teacher by keeping a subset of its decoder layers (DistilBERT-style).

The student keeps the teacher's embeddings, final norm, head and the chosen layers with their
weights, so it starts from the teacher's knowledge rather than from random weights.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from distillkit_plugins.hf.loading import ModelLoadError


def layer_indices(n_layers: int, keep: int | list[int]) -> list[int]:
    """``keep=k`` keeps every k-th layer (0, k, 2k, ...); a list keeps exactly those layers."""
    if isinstance(keep, int):
        return list(range(0, n_layers, keep))
    bad = [i for i in keep if not 0 <= i < n_layers]
    if bad or len(set(keep)) != len(keep) or not keep:
        raise ModelLoadError(f"student.keep_layers={keep}: need distinct indices in 0..{n_layers - 1} "
                             f"(the model has {n_layers} layers)")
    return sorted(keep)


def _layer_list(model: Any) -> tuple[nn.Module, str, nn.ModuleList]:
    """The (owner, attribute, ModuleList) holding the decoder layers: the one list as long as the config says."""
    n = model.config.num_hidden_layers
    found = [
        (owner, attr, child)
        for owner in model.modules()
        for attr, child in owner.named_children()
        if isinstance(child, nn.ModuleList) and len(child) == n
    ]
    if len(found) != 1:
        raise ModelLoadError(
            f"cannot find the decoder layers of {type(model).__name__} ({len(found)} lists of {n} modules); "
            "keep_layers supports decoder-only models with one stack of layers"
        )
    return found[0]


def keep_layers(model: Any, keep: int | list[int]) -> Any:
    """Shrink ``model`` in place to the layers ``keep`` selects; the config follows so it saves and reloads."""
    if getattr(model.config, "is_encoder_decoder", False):
        raise ModelLoadError("keep_layers supports decoder-only models; this one is an encoder-decoder")
    owner, attr, layers = _layer_list(model)
    indices = layer_indices(len(layers), keep)
    kept = nn.ModuleList([layers[i] for i in indices])
    for new_idx, layer in enumerate(kept):
        for module in layer.modules():  # attention modules index the KV cache by their layer number
            if hasattr(module, "layer_idx"):
                module.layer_idx = new_idx
    setattr(owner, attr, kept)
    model.config.num_hidden_layers = len(indices)
    if getattr(model.config, "layer_types", None):  # per-layer attention kinds (sliding/full)
        model.config.layer_types = [model.config.layer_types[i] for i in indices]
    return model
