"""Validation-time check that a scoring teacher shares the student's tokenizer (tokenizers only, no weights).

The on_policy loss compares token ids, so a teacher with another tokenizer cannot grade the student's
tokens (there is no text-span alignment). For an ``hf`` teacher and an ``hf`` student the tokenizers
are named by their options; when the two sources differ both tokenizers are loaded (a few files, no
weights) and compared: vocabulary, end-of-sequence token and the split of a probe text. An
``openai_compat`` teacher is checked when its ``tokenizer`` option says where the served model's
tokenizer loads from (the server itself is not asked at validation). A source that cannot be loaded
here (a hub id while offline) is not judged: training still compares the ids of every scored sample.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from distillkit.errors import DistillkitError

# digits, spacing, punctuation, a newline and non-ASCII: where tokenizers with equal vocabularies differ
PROBE = "Q: 12 + 7 = ?  Let's think step by step.\nStep 1: 12+7 is 19. Thus, the answer is 19. Ünï 🙂"
Source = tuple[str, "str | None", "str | None"]  # (model or tokenizer name, gguf_file, revision)


def teacher_source(teacher: Any) -> Source | None:
    """An ``hf`` teacher's tokenizer source, an ``openai_compat`` teacher's ``tokenizer``; else None."""
    o, name = teacher.options, getattr(teacher, "name", None)
    if name == "openai_compat" and o.tokenizer is not None:
        return (o.tokenizer, None, None)
    return (o.model, o.gguf_file, o.revision) if name == "hf" else None


def student_source(student: Any) -> Source | None:
    """The ``hf`` student's tokenizer source (``tokenizer``, else its model); None when unknown."""
    o = getattr(student, "options", None)
    if getattr(student, "name", None) != "hf" or o is None:
        return None
    if o.tokenizer is not None:
        return (o.tokenizer, None, None)
    if getattr(o, "config", None) is not None:
        return ("byte", None, None)
    if o.model is not None:
        return (o.model, o.gguf_file, o.revision)
    return (o.init_from, o.gguf_file, o.revision)


@lru_cache(maxsize=16)
def _load(source: Source) -> Any:
    from distillkit_plugins.hf.loading import load_tokenizer

    name, gguf, revision = source
    try:
        return load_tokenizer(name, gguf_file=gguf, revision=revision)
    except (DistillkitError, OSError, ValueError):
        return None


def difference(student: Source, teacher: Source) -> str | None:
    """How the two tokenizers differ, or None (same source, equal, or one cannot be loaded here)."""
    if student == teacher:
        return None
    s, t = _load(student), _load(teacher)
    if s is None or t is None:
        return None
    sv, tv = s.get_vocab(), t.get_vocab()
    if sv != tv:
        other = sorted(set(sv.items()) ^ set(tv.items()), key=lambda kv: kv[1])[:1]
        example = f", e.g. {other[0][0]!r} -> {other[0][1]}" if other else ""
        return f"vocabularies differ ({len(sv)} vs {len(tv)} tokens{example})"
    if s.eos_token != t.eos_token:
        return f"end-of-sequence tokens differ ({s.eos_token!r} vs {t.eos_token!r})"
    si, ti = (tok(PROBE, add_special_tokens=False)["input_ids"] for tok in (s, t))
    if si != ti:
        return f"they split the same text differently ({si[:6]}... vs {ti[:6]}...)"
    return None


def label(source: Source) -> str:
    name, gguf, _ = source
    return f"{name}/{gguf}" if gguf else name
