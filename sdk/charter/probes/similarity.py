"""How far an answer moved from the baseline's answer to the same probe.

`AnswerEmbedder` is the seam: anything with `name` and `embed(text) -> vector` (unit length).
The default, `HashedNgramEmbedder`, is a text similarity, not a semantic one: character 3-5
grams of the lower-cased answer hashed into 256 buckets (CRC-32, stable across processes),
so distance 0 means the same wording and 1 nothing in common. A paraphrase with the same
meaning scores far, a one-word change that flips the meaning near: it measures that the
answers *changed*, which is what a silent model update shows first. Swap in an embedding
model (the offline one of `charter.signals`, when it is there) through the same protocol.

Only the vectors are stored, never the answers: 256 bucket weights do not give the text back.
"""

from __future__ import annotations

import math
import re
import struct
import unicodedata
import zlib
from collections.abc import Sequence
from typing import Protocol

Vector = tuple[float, ...]

_SPACE = re.compile(r"\s+")


class AnswerEmbedder(Protocol):
    @property
    def name(self) -> str:
        """Stored with the vectors: vectors of different embedders are never compared."""
        ...

    def embed(self, text: str) -> Vector: ...


class HashedNgramEmbedder:
    def __init__(self, dim: int = 256, sizes: Sequence[int] = (3, 4, 5)) -> None:
        self.dim = dim
        self.sizes = tuple(sizes)
        self.name = f"hashed-char-ngrams-{'-'.join(map(str, self.sizes))}/{dim}"

    def embed(self, text: str) -> Vector:
        folded = _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
        padded = f" {folded} "
        counts = [0.0] * self.dim
        for size in self.sizes:
            for i in range(len(padded) - size + 1):
                bucket = zlib.crc32(padded[i : i + size].encode()) % self.dim
                counts[bucket] += 1.0
        norm = math.sqrt(sum(c * c for c in counts))
        return tuple(c / norm for c in counts) if norm else tuple(counts)


def distance(a: Vector, b: Vector) -> float:
    """Cosine distance of two unit vectors, clipped to [0, 1] (an empty answer: 1 unless
    both are empty)."""
    if len(a) != len(b):
        raise ValueError(f"vectors of different sizes ({len(a)} and {len(b)})")
    if not any(a) or not any(b):
        return 0.0 if not any(a) and not any(b) else 1.0
    return min(1.0, max(0.0, 1.0 - sum(x * y for x, y in zip(a, b, strict=True))))


def pack(vector: Vector) -> bytes:
    """float32, little-endian: how vectors are stored."""
    return struct.pack(f"<{len(vector)}f", *vector)


def unpack(blob: bytes) -> Vector:
    return struct.unpack(f"<{len(blob) // 4}f", blob)
