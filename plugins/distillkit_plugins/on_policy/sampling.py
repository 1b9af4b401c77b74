"""The student writes: seeded samples for a batch of prompts, as text for the teachers and ids for training.

A completion that ended with the end-of-sequence token keeps it (as the tokenizer's eos text for
the teachers, the eos id for the student), so whether to stop is graded too. The student trains
on its tokenizer's encoding of the sampled text, which equals the sampled ids except for rare
non-canonical token splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Sample:
    prompt: str  # the loss's prompt text (what the teachers are given, in their own format)
    prompt_ids: list[int]  # the prompt as the student encodes it
    completion: str  # the text the teachers score (ends with the eos text when the student stopped)
    completion_ids: list[int]  # the student's ids of ``completion``


def sample_student(
    student: Any,
    prompts: list[str],
    prompt_ids: list[list[int]],
    *,
    max_new_tokens: int,
    num_samples: int,
    temperature: float,
    top_p: float,
    seed: int,
) -> list[Sample]:
    """``num_samples`` samples per prompt from the ``hf`` student (seeded; the global RNG is untouched)."""
    from distillkit_plugins.hf.generation import generate

    tok = student.tokenizer
    chat = bool(student.options.chat_template)
    out = generate(
        student.model,
        tok,
        [student.format_prompt(p) for p in prompts],
        max_new_tokens=max_new_tokens,
        num_samples=num_samples,
        temperature=temperature,
        top_p=top_p,
        seed=seed,
        batch_size=max(1, len(prompts)),
        add_special_tokens=not chat,
    )
    samples = []
    for prompt, ids, completions in zip(prompts, prompt_ids, out):
        for c in completions:
            text = c.text + (tok.eos_token if c.finish_reason == "stop" and tok.eos_token else "")
            samples.append(Sample(prompt, list(ids), text, tok(text, add_special_tokens=False)["input_ids"]))
    return samples
