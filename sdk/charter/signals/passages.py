"""How a classifier reads a long text: the whole of it and its passages.

A long pasted document can hide one harmful paragraph. Stage 1 reads only the first 3/4
and the last 1/4 of `features.max_chars` of a text's normalized form (`features.clip`) and
stage 2 only its head and tail (`head_and_tail`), so a paragraph in the middle of a longer
text is never read. A model trained on passages records a `PassageRule`
in its manifest (`meta["passages"]`); such a model also scores texts longer than
`long_text` characters passage by passage, and the most suspect parts go through the
cascade. A model without the rule scores every text whole, as before.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from charter.signals.base import SignalError

_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class PassageRule:
    """Texts over `long_text` characters are also read as overlapping passages of about
    `passage` characters, `stride` apart (wider when there would be more than
    `max_passages`); the `cascade_parts` most suspect parts (the whole text among them)
    go through the cascade and the text scores the highest of each."""

    long_text: int = 600
    passage: int = 300
    stride: int = 150
    max_passages: int = 64
    cascade_parts: int = 2

    def __post_init__(self) -> None:
        if not (0 < self.stride <= self.passage < self.long_text):
            raise SignalError(f"passage rule: need 0 < stride <= passage < long_text: {self}")
        if self.max_passages < 2 or self.cascade_parts < 1:
            raise SignalError(f"passage rule: need max_passages >= 2, cascade_parts >= 1: {self}")

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> PassageRule | None:
        raw = meta.get("passages")
        if raw is None:
            return None
        try:
            return cls(**{k: int(v) for k, v in raw.items()})
        except (TypeError, ValueError, AttributeError) as exc:
            raise SignalError(f"the model's passage rule is malformed: {raw!r} ({exc})") from None

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def passages(self, text: str) -> list[str]:
        """Overlapping passages of `text` (none for a text up to `long_text` characters),
        cut at whitespace where there is some in the passage's second half. A text too long
        for `max_passages` gets a wider stride and passages as wide, so nothing is skipped
        (the classifier reads at most 16,000 characters: passages stay at `passage`). A
        passage cut short at whitespace makes the next one start where it ended, so there
        is no gap either; a text that cuts short everywhere stops at twice `max_passages`."""
        if len(text) <= self.long_text:
            return []
        stride = max(self.stride, math.ceil((len(text) - self.passage) / (self.max_passages - 1)))
        size = max(self.passage, stride)
        out: list[str] = []
        start = 0
        while start < len(text):
            end = min(len(text), start + size)
            if end < len(text):
                half = start + size // 2
                cut = next((i for i in range(end - 1, half - 1, -1) if text[i].isspace()), -1)
                end = cut if cut > 0 else end
            passage = text[start:end].strip()
            if passage:
                out.append(passage)
            if end >= len(text) or len(out) == 2 * self.max_passages:
                break
            start = _next_word(text, min(start + stride, end))
        return out


def _next_word(text: str, at: int) -> int:
    if at >= len(text) or text[at - 1].isspace():
        return at
    found = _SPACE.search(text, at, min(len(text), at + 30))
    return found.end() if found else at
