"""A word-level tokenizer for the synthetic arithmetic task, so a tiny student learns it in minutes.

Every number 0-999, every word the task and the built-in prompts use, and every punctuation mark,
with the space before it if any, is one token (as GPT-2 does): a question is ~25 tokens instead
of ~80 bytes, and " 12" is one symbol the student can copy, not three. Text outside the
vocabulary becomes ``<unk>``; decoding concatenates tokens, so in-vocabulary text round-trips
exactly. Select it with ``tokenizer: words``; it is saved with the student like any tokenizer.
"""

from __future__ import annotations

from typing import Any

from distillkit_plugins.hf.byte_tokenizer import BOS, EOS, PAD

UNK = "<unk>"
# The task's questions, then the words of the built-in student prompts and targets: the
# answer/rationale views and their prefixes (multitask_rationale, answer_only), cot_sft's cue and
# template, teacher_revision's verdicts and steps, then synthetic_elimination's words.
WORDS = ("Start", "with", "Add", "Subtract", "Multiply", "Divide", "by", "Then", "add", "subtract", "multiply",
         "divide", "What", "is", "the", "result", "Let's", "think", "step", "So", "answer", "Verdict", "all",
         "steps", "correct", "final", "wrong", "missing", "no", "found", "Step", "to", "get", "from",
         "predict", "Answer", "Explanation", "explain", "rationale", "reason",
         # synthetic_elimination (appended: earlier ids stay as they were)
         "Options", "Clue", "it", "even", "odd", "above", "below", "rules", "out", "left", "Which", "none")
PIECES = r" ?\d+| ?[A-Za-z']+| ?[^\sA-Za-z\d]|\s"  # numbers, words, single marks, each with its space


def word_tokenizer() -> Any:
    """A ``PreTrainedTokenizerFast`` over whole numbers and words (ids 0-3: pad, bos, eos, unk)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab: dict[str, int] = {}
    for tok in (PAD, BOS, EOS, UNK, " ", "\n"):
        vocab.setdefault(tok, len(vocab))
    for base in (*".,?!:;=+-*/()'\"#", *map(str, range(1000)), *WORDS):
        vocab.setdefault(base, len(vocab))
        vocab.setdefault(" " + base, len(vocab))
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(PIECES), behavior="isolated")
    core.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token=PAD, bos_token=BOS, eos_token=EOS,
                                   unk_token=UNK)
