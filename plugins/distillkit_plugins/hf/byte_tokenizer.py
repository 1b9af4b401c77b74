"""A byte-level tokenizer that needs no file and no download, for tiny students built from a config.

Every UTF-8 byte is one token (256 ids) plus ``<pad>``, ``<bos>`` and ``<eos>``: any text round-trips
exactly, and the vocabulary is tiny, so a model built from a config stays small. It is saved
with the student (``tokenizer.json``), so ``AutoTokenizer.from_pretrained`` loads it back.
"""

from __future__ import annotations

from typing import Any

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"


def byte_tokenizer() -> Any:
    """A ``PreTrainedTokenizerFast`` over raw bytes (ids 0-2 are pad, bos, eos)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate((PAD, BOS, EOS))}
    for char in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab[char] = len(vocab)
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    # No regex split and no prefix space: a byte sequence maps 1:1 to tokens.
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token=PAD, bos_token=BOS, eos_token=EOS)
