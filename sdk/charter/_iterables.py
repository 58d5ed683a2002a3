"""Iterables in a prompt, read as lists, and its texts as plain `str`, before anything
reads the prompt.

The SDKs type a message's `content`, the messages themselves and the instructions as
`Iterable` and send any iterable as a JSON array: a tuple of parts, a generator. The
readers of a prompt (`charter.prompt_items`, `charter.pipeline.prompt_args`) read lists
and tuples; any other iterable (a generator above all, which can be read only once) is
read into a list here, and the call is made with that list, so the model gets what was
checked. Probing found a tuple of parts sent unread: neither scored nor redacted.

A `str` subclass is read as the plain `str` it holds (`exact`), and sent so: the steps after
read it with `==`, `len()` and truthiness, which a subclass may override. Found by probing:
a prompt whose `__eq__` always held, or whose `__len__` said 0, reached the model with its
e-mail address unredacted (the write-back saw no change), and a 1.5M-character one passed
`max_text_chars`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from io import IOBase
from typing import Any

from pydantic import BaseModel

_AS_THEY_ARE = (str, bytes, bytearray, memoryview, BaseModel, IOBase, type)
"""Iterable, but no list of parts: text and bytes, an SDK object (pydantic iterates its
fields; `charter.prompt_items.plain` reads it), a file, a class (an `Enum` iterates)."""
_MAX_DEPTH = 101
"""Deeper than any `max_json_depth` allowed (100 at most): a prompt nested deeper is
denied by the limits (`charter.pipeline.limits`) before it is read."""


def exact(text: str) -> str:
    """`text` as a plain `str`: itself when it is one, else a copy of its characters that no
    override of the subclass (`__str__`, `__len__`, `__iter__`) takes part in."""
    return text if type(text) is str else str.__str__(text)


def as_lists(value: Any, depth: int = 0) -> Any:
    """`value` with each iterable in it (in mappings, lists and tuples) that is none of
    `_AS_THEY_ARE` read into a list, and each `str` subclass in it as a plain `str`;
    `value` itself when it holds neither."""
    if isinstance(value, str):
        return exact(value)
    if depth > _MAX_DEPTH or isinstance(value, _AS_THEY_ARE):
        return value
    if isinstance(value, Mapping):
        items = {key: as_lists(item, depth + 1) for key, item in value.items()}
        return items if any(items[k] is not v for k, v in value.items()) else value
    if isinstance(value, list | tuple):
        listed = [as_lists(item, depth + 1) for item in value]
        if all(new is old for new, old in zip(listed, value, strict=True)):
            return value
        return tuple(listed) if isinstance(value, tuple) else listed
    if isinstance(value, Iterable) and not hasattr(value, "model_dump"):
        return [as_lists(item, depth + 1) for item in value]
    return value
