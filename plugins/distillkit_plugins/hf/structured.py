"""JSON-schema replies for the local ``hf`` teacher (``TeacherRequest.response_schema``).

Two paths, chosen by the teacher's ``structured_output`` option:

- ``constrained``: lm-format-enforcer (the ``structured`` extra) masks, at every decoding step,
  the tokens that would leave the schema, so the reply is valid JSON of the schema unless
  ``max_new_tokens`` cuts it short. It does not enforce number ranges (minimum/maximum): use
  an enum where the range matters. Its own transformers integration imports a module that
  transformers 5 removed, so the logits processor is ours, over its ``TokenEnforcer`` core.
- ``checked``: generate freely, validate the reply against the schema (the subset below), and
  ask once more with the validation error appended to the prompt; the second reply is
  returned whether it validates or not (the strategy still reads free text).

``validate`` covers what strategies here write: type (object, array, string, integer, number,
boolean, null, or a list of them), enum, required, properties, additionalProperties: false,
items, minItems/maxItems, minLength/maxLength, pattern, minimum/maximum. Unknown keywords are not checked.
"""

from __future__ import annotations

import importlib.util
import json
import re
from typing import Any

import torch
from transformers import LogitsProcessor

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffd]")
_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def enforcer_installed() -> bool:
    return importlib.util.find_spec("lmformatenforcer") is not None


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Errors of ``value`` against ``schema`` ("$.steps[2]: expected string"); [] when it conforms."""
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types
    if types and not any(_is(value, t) for t in types):
        return [f"{path}: expected {' or '.join(types)}, got {type(value).__name__}"]
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{path}: missing {k!r}" for k in schema.get("required", []) if k not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: unexpected {k!r}" for k in value if k not in props]
        for k, v in value.items():
            if k in props:
                errors += validate(v, props[k], f"{path}.{k}")
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", len(value)) or len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: {len(value)} items, allowed {schema.get('minItems', 0)}.."
                          f"{schema.get('maxItems', 'any')}")
        for i, v in enumerate(value):
            errors += validate(v, schema.get("items", {}), f"{path}[{i}]")
    if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
        errors.append(f"{path}: longer than {schema['maxLength']} characters")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        errors.append(f"{path}: shorter than {schema['minLength']} characters")
    if _is(value, "number") and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        errors.append(f"{path}: {value} is out of range")
    return errors


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES.get(kind, object))


def check_reply(text: str, schema: dict[str, Any]) -> str | None:
    """Why ``text`` is not a JSON value of ``schema``, or None when it is."""
    try:
        value = json.loads(text, strict=False)  # a raw newline or tab inside a string is tolerated
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg} at character {exc.pos})"
    errors = validate(value, schema)
    return "; ".join(errors[:5]) or None


def retry_prompt(prompt: str, schema: dict[str, Any], error: str) -> str:
    """The checked path's second question: the same prompt, the schema, and what was wrong."""
    return (f"{prompt}\n\nReply with only a JSON object that follows this JSON schema:\n"
            f"{json.dumps(schema)}\nYour previous reply was rejected: {error}.")


class SchemaLogitsProcessor(LogitsProcessor):
    """Per batch row, only the tokens its schema allows next (rows without a schema are left free).

    A ``TokenEnforcer`` keys its states by the row's whole token sequence, so left padding and
    batching need nothing special: each row is its own enforcer.
    """

    def __init__(self, enforcers: list[Any]):
        self.enforcers = enforcers

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        mask = torch.zeros_like(scores, dtype=torch.bool)
        for row, enforcer in enumerate(self.enforcers):
            if enforcer is None:
                mask[row] = True
                continue
            allowed = enforcer.get_allowed_tokens(input_ids[row].tolist()).allowed_tokens
            mask[row, [t for t in allowed if t < scores.shape[1]]] = True
        return scores.masked_fill(~mask, float("-inf"))


class Enforcers:
    """Builds per-schema token enforcers for one tokenizer (its vocabulary is indexed once, ~seconds)."""

    def __init__(self, tokenizer: Any, eos_ids: set[int]):
        self._data = _tokenizer_data(tokenizer, sorted(eos_ids))

    def for_schemas(self, schemas: list[dict[str, Any] | None]) -> SchemaLogitsProcessor:
        from lmformatenforcer import JsonSchemaParser, TokenEnforcer

        enforcers = []
        for schema in schemas:
            if schema is None:
                enforcers.append(None)
                continue
            enforcer = TokenEnforcer(self._data, JsonSchemaParser(schema))
            # the enforcer resets the parser's config; then: fields in the schema's order (verdict
            # before the steps), and few blank characters (a small model can loop on whitespace)
            enforcer.root_parser.config.force_json_field_order = True
            enforcer.root_parser.config.max_consecutive_whitespaces = 2
            enforcers.append(enforcer)
        return SchemaLogitsProcessor(enforcers)


def _tokenizer_data(tokenizer: Any, eos_ids: list[int]) -> Any:
    # what lm-format-enforcer's build_token_enforcer_tokenizer_data does, without its import of
    # transformers.tokenization_utils (gone in transformers 5)
    from lmformatenforcer import TokenEnforcerTokenizerData

    zero = tokenizer.encode("0", add_special_tokens=False)[-1]
    special = set(tokenizer.all_special_ids)
    regular = []
    for idx in range(len(tokenizer)):
        if idx in special:
            continue
        after_zero = tokenizer.decode([zero, idx])[1:]  # keeps a word-start token's leading space
        if _UNSAFE.search(after_zero):  # JSON strings may not hold control characters; partial UTF-8
            continue
        regular.append((idx, after_zero, len(after_zero) > len(tokenizer.decode([idx]))))

    def decode(tokens: list[int]) -> str:
        return tokenizer.decode(tokens).rstrip("\ufffd")

    return TokenEnforcerTokenizerData(regular, decode, eos_ids, False, len(tokenizer))
