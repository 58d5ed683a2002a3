"""One piece of a streamed call's arguments (or of streamed reasoning): where it sits in
its chunk and which call it belongs to. `charter.streamed_calls` joins them, checks the
joined arguments and writes them back; each SDK's reader yields them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from charter._fields import field_of

Path = tuple[str | int, ...]

REASONING = "reasoning"
"""The first part of the key of a streamed reasoning text (Anthropic `thinking_delta`, the
Responses API's reasoning deltas): checked and written back like a call's arguments, but
it is no call (`charter.reasoning`)."""


@dataclass(frozen=True)
class Fragment:
    chunk: int
    """Position of its chunk among the held ones."""
    call: tuple[Any, ...]
    """Which call it belongs to: fragments with the same key are joined in order."""
    copy: str
    """"args" for the fragments that are checked; the name of a raw copy otherwise."""
    path: Path | None
    """Where its text sits inside the chunk (None: the fragment carries only a name)."""
    text: str
    name: str = ""
    whole: bool = False
    """The chunk holds the call's arguments whole, as an object (Ollama, Gemini): `text` is
    their JSON, and the checked arguments go back as an object."""

    def __post_init__(self) -> None:  # a malformed index never breaks the dict of calls
        object.__setattr__(self, "call", tuple(map(_scalar, self.call)))


def _scalar(part: Any) -> Any:
    return part if isinstance(part, str | int | float | type(None)) else repr(part)


def call_fragment(index: int, key: tuple[Any, ...], call: Any, path: Path) -> Iterator[Fragment]:
    """A call's piece in `call`: its arguments at `path`'s last field (text, or an object
    carried whole: Ollama, Gemini) with its name; its name alone when it has no arguments
    yet."""
    args, name = field_of(call, str(path[-1])), field_of(call, "name")
    name = name if isinstance(name, str) else ""
    if isinstance(args, str):
        yield Fragment(index, key, "args", path, args, name)
    elif isinstance(args, Mapping | list):
        text = json.dumps(args, ensure_ascii=False, default=str)
        yield Fragment(index, key, "args", path, text, name, whole=True)
    elif name:
        yield Fragment(index, key, "args", None, "", name)


def field_fragment(
    index: int, key: tuple[Any, ...], copy: str, holder: Any, path: Path
) -> Iterator[Fragment]:
    """The text at `path`'s last field of `holder` as a fragment, if it is text."""
    text = field_of(holder, str(path[-1]))
    if isinstance(text, str):
        yield Fragment(index, key, copy, path, text)


def text_fragment(index: int, key: tuple[Any, ...], holder: Any, path: Path) -> Iterator[Fragment]:
    """The text at `path`'s last field of `holder`, as a checked fragment, if it is some
    text (an Ollama chunk's empty `thinking` is no reasoning)."""
    yield from (f for f in field_fragment(index, key, "args", holder, path) if f.text)
