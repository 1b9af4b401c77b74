"""Faster decoding on CPU for the ``hf`` student and teacher (measured in bench/RESULTS-generation.md).

A decoding step multiplies a handful of rows (one new token per sequence in the batch) by every
weight matrix of the model, so it is bound by how the weights are read:

- ``few_row_linears`` (always on while generating on CPU): a ``Linear`` fed at most ``FEW_ROWS``
  rows computes ``W @ x.T`` instead of ``x @ W.T``. The arithmetic is the same (greedy texts were
  identical); MKL then splits the long output dimension across threads rather than the few rows,
  which at 2 threads made SmolLM2-135M's decoding ~1.3x faster and changed nothing at 1 thread.
- ``fp16_weights`` (the teacher's opt-in ``cpu_weights: float16``): every ``Linear`` keeps its
  weight in float16 and multiplies in fp32 through PyTorch's fbgemm kernels (x86), so a step reads
  half the weight bytes. Numerics change slightly (about 1e-4 relative on logits).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import MethodType

import torch
from torch import nn

FEW_ROWS = 64  # above this, x @ W.T was as fast or faster (bench/RESULTS-generation.md)


def _few_row_forward(layer: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    rows = x.numel() // max(x.shape[-1], 1)
    if (rows > FEW_ROWS or x.dim() < 2 or x.dtype != layer.weight.dtype
            or (torch.is_grad_enabled() and (x.requires_grad or layer.weight.requires_grad))):
        return nn.functional.linear(x, layer.weight, layer.bias)
    flat = x.reshape(rows, x.shape[-1]).t()
    if layer.bias is None:
        y = torch.mm(layer.weight, flat)
    else:
        y = torch.addmm(layer.bias[:, None], layer.weight, flat)
    return y.t().contiguous().view(*x.shape[:-1], layer.out_features)


@contextmanager
def few_row_linears(model: nn.Module) -> Iterator[None]:
    """Within the block, the model's plain ``nn.Linear`` layers on CPU use the few-row product.

    Layers whose ``forward`` is already replaced on the instance (accelerate's offload hooks) and
    subclasses of ``nn.Linear`` (quantised or adapter layers) are left as they are.
    """
    layers = [m for m in model.modules() if type(m) is nn.Linear and "forward" not in vars(m)
              and m.weight.device.type == "cpu"]
    for layer in layers:
        layer.forward = MethodType(_few_row_forward, layer)
    try:
        yield
    finally:
        for layer in layers:
            del layer.forward


def fp16_weights_supported() -> str | None:
    """None when this PyTorch can keep Linear weights in float16 on CPU, else why not."""
    if "fbgemm" not in torch.backends.quantized.supported_engines:
        return (f"this PyTorch has no fbgemm engine (engines: {torch.backends.quantized.supported_engines}); "
                "fbgemm ships with PyTorch on x86-64")
    if not hasattr(torch, "fbgemm_pack_gemm_matrix_fp16"):
        return "this PyTorch no longer ships fbgemm's float16-weight kernels"
    return None


def fp16_weights(model: nn.Module) -> nn.Module:
    """``model`` (in place) with every ``nn.Linear`` holding a float16 weight, multiplied in fp32.

    Uses ``torch.ao.quantization.quantize_dynamic`` with ``dtype=torch.float16``: only the weights
    are converted (activations stay fp32), so there is no activation-range calibration to go wrong.
    Inference only (the converted layers have no gradients).
    """
    from torch.ao.quantization import quantize_dynamic

    reason = fp16_weights_supported()
    if reason:
        raise RuntimeError(f"cpu_weights: float16 is not available: {reason}")
    with warnings.catch_warnings():
        # torch.ao's eager quantisation warns that it moves to torchao, which has no CPU fp16-weight path yet
        warnings.simplefilter("ignore", (DeprecationWarning, FutureWarning, UserWarning))
        return quantize_dynamic(model, {nn.Linear}, dtype=torch.float16, inplace=True)

