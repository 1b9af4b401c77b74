"""Student models: the small model being distilled into."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distillkit.components.base import Component


class StudentModel(Component):
    """Wraps a trainable model and its tokenizer.

    ``load(path=None)`` loads from the configured source (or from ``path``, a folder ``save``
    wrote), keeps the result as ``self.model`` / ``self.tokenizer`` and returns it; it may be
    called again to reinitialise (ELAD's "train from scratch each round") or to resume.
    ``generate`` runs batched inference for evaluation and for
    selectors that query the student. ``save`` writes a folder ``from_pretrained`` loads.
    ``is_encoder_decoder`` tells the trainer how to lay out prompt and target.
    """

    kind = "student"
    hook = "register_student_models"
    is_encoder_decoder: bool = False

    model: Any = None
    tokenizer: Any = None

    def load(self, path: Path | None = None) -> tuple[Any, Any]:
        raise NotImplementedError

    def generate(
        self,
        prompts: list[str],
        *,
        max_new_tokens: int = 64,
        num_samples: int = 1,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> list[list[str]]:
        """``num_samples`` completions per prompt (greedy when temperature == 0)."""
        raise NotImplementedError

    must_override = (("load",), ("generate",), ("save",))

    def encode_prompts(self, prompts: list[str]) -> list[list[int]]:
        """Token ids of each prompt exactly as ``generate`` feeds it to the model.

        Trainers tokenize training prompts with it and selectors score continuations after it,
        so a student that wraps prompts (a chat template) must override it. Default: the
        tokenizer's own encoding of the plain text.
        """
        return [list(ids) for ids in self.tokenizer(list(prompts))["input_ids"]]

    def save(self, path: Path) -> None:
        raise NotImplementedError
