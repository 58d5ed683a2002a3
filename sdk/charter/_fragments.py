"""One piece of a streamed call's arguments (or of streamed reasoning): where it sits in
its chunk and which call it belongs to. `charter.streamed_calls` joins them, checks the
joined arguments and writes them back; each SDK's reader yields them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
