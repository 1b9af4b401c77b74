"""A word-level tokenizer for the synthetic_arithmetic task, so a tiny student learns it in minutes.

Every number (0-999), word and punctuation mark, with the space before it if any, is one token
(as GPT-2 does), so a question is ~25 tokens instead of ~80 bytes and " 12" is one symbol the
student can copy, not three. Text outside the vocabulary becomes <unk>; decoding concatenates
tokens, so in-vocabulary text round-trips exactly. The folder it writes is a normal Hugging Face
tokenizer folder: give it to the ``hf`` student as ``tokenizer: <folder>``.

    python bench/elad_word_tokenizer.py runs/elad-word-tokenizer
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
# Words the task, the cot_sft cue/target, the teacher_revision prompt and the solver use.
WORDS = ("Start", "with", "Add", "Subtract", "Multiply", "Divide", "by", "Then", "add", "subtract", "multiply",
         "divide", "What", "is", "the", "result", "Let's", "think", "step", "So", "answer", "Verdict", "all",
         "steps", "correct", "final", "wrong", "missing", "no", "found", "Step", "to", "get", "from")
PIECES = re.compile(r" ?\d+| ?[A-Za-z']+| ?[^\sA-Za-z\d]|\s")


def build(folder: str | Path) -> Path:
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab: dict[str, int] = {}
    for tok in (*SPECIALS, " ", "\n"):
        vocab.setdefault(tok, len(vocab))
    for base in (*".,?!:;=+-*/()'\"#", *map(str, range(1000)), *WORDS):
        vocab.setdefault(base, len(vocab))
        vocab.setdefault(" " + base, len(vocab))
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(PIECES.pattern), behavior="isolated")
    core.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", bos_token="<bos>",
                                  eos_token="<eos>", unk_token="<unk>")
    folder = Path(folder)
    tok.save_pretrained(folder)
    return folder


if __name__ == "__main__":
    out = build(sys.argv[1] if len(sys.argv) > 1 else "runs/elad-word-tokenizer")
    print(f"wrote {out}")
