"""The strings inside JSON-like values (a tool call's arguments), read and written back in
one order: how the guard checks arguments as texts without knowing their schema."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any


def parsed_arguments(raw: Any) -> Any:
    """Arguments as JSON when they are JSON text. Their depth is the output stage's limit
    (`max_json_depth`, checked before anything walks them); JSON too deep even to parse
    stays text."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw


def written_as(raw: Any, new: Any) -> Any:
    """`new` arguments in the form `raw` came in: JSON text when `raw` was JSON text (a bare
    JSON string keeps its quotes), else as they are (text that is not JSON, an object).
    The one place changed arguments are serialized, whichever SDK holds them."""
    if isinstance(raw, str) and parsed_arguments(raw) is not raw:
        return json.dumps(new, ensure_ascii=False)
    return new


def leaves_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [leaf for v in value.values() for leaf in leaves_of(v)]
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in leaves_of(v)]
    return []


def with_leaves(value: Any, leaves: Iterator[str]) -> Any:
    if isinstance(value, str):
        return next(leaves)
    if isinstance(value, Mapping):
        return {k: with_leaves(v, leaves) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [with_leaves(v, leaves) for v in value]
    return value


def argument_leaves(raw: Any) -> list[str]:
    """The strings of a call's arguments: each string inside JSON arguments (text, or an
    object as Anthropic sends it), or the whole text when it is not JSON."""
    try:
        return leaves_of(parsed_arguments(raw))
    except RecursionError:  # nested deeper than the interpreter walks: one text
        return [raw] if isinstance(raw, str) else []


def with_argument_leaves(raw: Any, texts: Iterator[str]) -> Any:
    """`raw` with its strings (`argument_leaves`) replaced; JSON text stays JSON text."""
    parsed = parsed_arguments(raw)
    try:
        leaves = leaves_of(parsed)
    except RecursionError:
        return next(texts) if isinstance(raw, str) else raw
    new = [next(texts) for _ in leaves]
    if new == leaves:
        return raw  # unchanged: the application's own text, byte for byte
    return written_as(raw, with_leaves(parsed, iter(new)))
