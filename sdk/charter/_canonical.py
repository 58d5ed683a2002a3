"""Canonical JSON and hashing: one definition shared by action binding, audit chain and
bundle revisions, so two processes always compute the same digest for the same value.

Text from outside (a prompt, a tool argument, an OTLP attribute) can hold *lone
surrogates* (`"\\ud800"`): Python strings allow them, UTF-8 does not, so encoding such a
string raises. Everything here stays encodable: canonical JSON writes a lone surrogate as
its `\\uXXXX` escape (JSON allows that, and parsing it back gives the same string), hashes
of raw text encode surrogates reversibly, and `valid_text` gives display-safe text.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
"""Built once: `json.dumps` with these options builds a new encoder on every call."""
_encode_string: Any = getattr(json.encoder, "c_encode_basestring", None) or (
    json.encoder.py_encode_basestring
)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: stable across processes and versions.
    Always encodable as UTF-8 (lone surrogates are escaped, see the module docstring)."""
    if type(value) is str:
        return json_string(value)
    return escape_surrogates(_ENCODER.encode(value))


def no_twins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`json.loads(..., object_pairs_hook=no_twins)`: a JSON object that repeats a key is
    refused (ValueError). Python keeps the last of two, other readers (SQLite's
    `json_extract`, a SIEM) may keep the first, so the same text would mean two things."""
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a JSON object repeats a key")
    return out


def json_string(text: str) -> str:
    """`canonical_json(text)` for a string, the JSON string literal alone (the chain hash
    writes several per record)."""
    return escape_surrogates(_encode_string(text))


def escape_surrogates(json_text: str) -> str:
    """JSON text with every lone surrogate written as a `\\uXXXX` escape. Only for JSON
    text: a surrogate can occur there only inside a string, where the escape means the
    same character. Two surrogates that form a pair become the character they stand for."""
    if _SURROGATE.search(json_text) is None:
        return json_text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", _join_pairs(json_text))


def valid_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD, for places that need valid
    Unicode (span names and attributes, the console's screen)."""
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", _join_pairs(text))


def valid_json(value: Any) -> str:
    """JSON text of `value` that any JSON parser accepts: a lone surrogate (which strict
    parsers such as regorus refuse even escaped) becomes U+FFFD, as `valid_text` does.
    The policy input is serialised with this, so such a prompt gets a real decision."""
    return valid_text(json.dumps(value, ensure_ascii=False))


def reparses_to_itself(value: Any) -> bool:
    """Whether `canonical_json(value)` parsed back and canonicalised again gives the same
    text, so a hash of it need not parse it back first. It does unless a mapping has a key
    that is not a string: JSON writes `1` as `"1"`, which sorts differently once parsed.
    A loop over a stack, no call per container: this runs on the guarded call's thread
    for every decision record."""
    stack = [value]
    push = stack.append
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if not isinstance(key, str):
                    return False
                if isinstance(item, _CONTAINERS):
                    push(item)
        elif isinstance(node, _SEQUENCES):
            for item in node:
                if isinstance(item, _CONTAINERS):
                    push(item)
    return True


_SEQUENCES = (list, tuple)
_CONTAINERS = (dict, list, tuple)
"""Tuples, not `dict | list | tuple`: `isinstance` with a union is several times slower."""


def _join_pairs(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")


def sha256_hex(value: Any) -> str:
    """SHA-256 of the canonical JSON of `value` (bytes/str are hashed as they are; a lone
    surrogate in a str is encoded reversibly rather than refused)."""
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
    else:
        data = canonical_json(value).encode()
    return hashlib.sha256(data).hexdigest()


_MAX_JSON_DEPTH = 500
_MAX_INT_BITS = 14_000
"""Below Python's 4300-digit limit on writing an int as text (about 14,280 bits)."""


def is_json(value: Any) -> bool:
    """True when `value` is JSON as it is: text keys only, finite numbers, no objects (a
    tuple reads back as a list). `json.dumps` also writes int, float and None keys as text,
    merging `1` with "1", and writes NaN, which no JSON reader takes: a held call stored so
    was resumed with other arguments than it was called with (found by probing)."""
    try:
        return _json_exact(value, 0)
    except RecursionError:
        return False


def _json_exact(value: Any, depth: int) -> bool:
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):  # Python writes at most 4300 digits as text
        return value.bit_length() <= _MAX_INT_BITS
    if isinstance(value, float):
        return math.isfinite(value)
    if depth > _MAX_JSON_DEPTH:
        return False
    if isinstance(value, dict):
        return all(type(k) is str and _json_exact(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_json_exact(v, depth + 1) for v in value)
    return False
