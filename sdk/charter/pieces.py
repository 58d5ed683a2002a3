"""Answers that come in pieces: Anthropic's text blocks, a Responses answer's
`output_text` parts, a Cohere, Bedrock or Ollama message's parts (Bedrock's cited blocks
among them). Their adapters read the pieces apart (`texts_are_pieces`), so that each keeps
what points into it (citations, `parsed`); the guard reads them as the one text they are,
so that nothing split across two pieces (a card number) passes unseen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from charter._positions import split_like
from charter.adapters import Adapter

__all__ = ["OneText", "as_one_text"]


class OneText:
    """`inner`'s texts read as the one text they are pieces of (an adapter that says
    `texts_are_pieces`). Detected apart, a card number split across two blocks passed
    unmasked. The new text is cut back where the pieces were cut
    (`charter._positions.split_like`)."""

    def __init__(self, inner: Adapter) -> None:
        self.inner = inner

    def matches(self, value: Any) -> bool:
        return self.inner.matches(value)

    def texts(self, value: Any) -> list[str]:
        return ["".join(self.inner.texts(value))]

    def replace(self, value: Any, texts: Sequence[str]) -> Any:
        return self.inner.replace(value, split_like(self.inner.texts(value), texts[0]))


def as_one_text(adapter: Adapter) -> Adapter:
    """`adapter`, or `OneText(adapter)` when its texts are pieces of one text (one piece
    reads and writes as itself either way)."""
    return OneText(adapter) if getattr(adapter, "texts_are_pieces", False) else adapter
