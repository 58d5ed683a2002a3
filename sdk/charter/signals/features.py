"""Features of the cheap first stage: hashed character and word n-grams plus a static
sentence embedding (WordLlama), computed in well under a millisecond.

- Character n-grams (2..5 bytes of the normalized text) survive typos, inflection (Turkish
  suffixes: "silahlar", "bombası") and partial obfuscation. They are hashed with a fixed
  FNV-style hash in numpy, so the same text always lands in the same buckets, on every
  machine and process (Python's own `hash` is salted per process).
- Word unigrams and bigrams add phrase cues ("ignore previous", "pipe bomb").
- WordLlama's 256-dim static token embeddings (shipped in the `wordllama` wheel: weights
  and tokenizer are read straight from the package folder, nothing is downloaded), mean
  pooled, add meaning beyond the surface words: "synthesize" near "produce", "firearm"
  near "gun".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.arrays import FloatArray
from charter.signals.base import SignalError
from charter.signals.wheels import package_dir, read_safetensors_matrix

IndexArray = npt.NDArray[np.int64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_WORD_PRIME = np.uint64(1099511628211)
_SIZE_TAG = 56
_ALNUM = np.zeros(256, dtype=bool)
_ALNUM[[*range(48, 58), *range(97, 123), *range(128, 256)]] = True
"""Bytes that belong to a word in normalized (lowercase) text; UTF-8 bytes >= 128 too."""


@dataclass(frozen=True)
class FeatureSpec:
    """How text becomes features; stored in the artifact so training and scoring agree."""

    bits: int = 18
    char_ngrams: tuple[int, ...] = (2, 3, 4, 5)
    word_ngrams: tuple[int, ...] = (1, 2)
    max_chars: int = 4000
    """Longer texts keep their first 3/4 and last 1/4 of this budget: jailbreak templates
    put the framing first and the request last."""
    embedding: str = "wordllama-l2-supercat-256"
    dense_scale: float = 16.0
    """Unit-norm embeddings are multiplied by sqrt(dim) so each coordinate is O(1): the
    same L2 penalty then means the same thing for dense and sparse weights."""
    norm_counts: tuple[int, int] | None = None
    """None: each n-gram block (characters, words) is read as counts over sqrt(count), so a
    head whose weights lean one way over ordinary text scores longer texts higher (round
    19). (c, w): counts times sqrt(reference) over count, a mean that does not grow with
    length; the references (the median counts in training) keep a median text's scale."""

    @property
    def buckets(self) -> int:
        return 1 << self.bits

    def to_dict(self) -> dict[str, Any]:
        return {
            "bits": self.bits,
            "char_ngrams": list(self.char_ngrams),
            "word_ngrams": list(self.word_ngrams),
            "max_chars": self.max_chars,
            "embedding": self.embedding,
            "dense_scale": self.dense_scale,
            # Absent when unset, so artifacts trained before the option keep their revision.
            **({"norm_counts": list(self.norm_counts)} if self.norm_counts else {}),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FeatureSpec:
        return cls(
            bits=int(raw["bits"]),
            char_ngrams=tuple(int(n) for n in raw["char_ngrams"]),
            word_ngrams=tuple(int(n) for n in raw["word_ngrams"]),
            max_chars=int(raw["max_chars"]),
            embedding=str(raw["embedding"]),
            dense_scale=float(raw.get("dense_scale", 1.0)),
            norm_counts=_norm_counts(raw.get("norm_counts")),
        )

    def block_scales(self, n_chars: int, n_words: int) -> tuple[float, float]:
        """What each occurrence in the character and in the word block counts for."""
        if self.norm_counts is None:
            return 1.0 / math.sqrt(max(n_chars, 1)), 1.0 / math.sqrt(max(n_words, 1))
        ref_chars, ref_words = self.norm_counts
        return math.sqrt(ref_chars) / max(n_chars, 1), math.sqrt(ref_words) / max(n_words, 1)


def _norm_counts(raw: Any) -> tuple[int, int] | None:
    if raw is None:
        return None
    try:
        chars, words = (int(n) for n in raw)
    except (TypeError, ValueError):
        chars = words = 0
    if chars < 1 or words < 1:
        raise SignalError(f"features.norm_counts must be two positive counts, got {raw!r}")
    return chars, words


def clip(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    head = max_chars * 3 // 4
    return text[:head] + " \n " + text[-(max_chars - head) :]


def _bucket(keys: npt.NDArray[np.uint64], bits: int) -> IndexArray:
    """Multiplicative (Fibonacci) hashing of 64-bit keys into 2**bits buckets."""
    return ((keys * _GOLDEN) >> np.uint64(64 - bits)).astype(np.int64)


def char_ngram_keys(data: npt.NDArray[np.uint64], sizes: tuple[int, ...]) -> npt.NDArray[np.uint64]:
    """Every byte n-gram as an exact 64-bit key (n <= 7 bytes fit), tagged with n."""
    parts = []
    key = data
    for n in range(2, max(sizes, default=1) + 1):
        count = len(data) - n + 1
        if count <= 0:
            break
        key = (key[:count] << np.uint64(8)) | data[n - 1 : n - 1 + count]
        if n in sizes:
            parts.append(key ^ np.uint64(n << _SIZE_TAG))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def word_keys(data: npt.NDArray[np.uint64], sizes: tuple[int, ...]) -> npt.NDArray[np.uint64]:
    """A 64-bit polynomial hash of every word (run of letters/digits) and of every run of
    n consecutive words, without a Python loop: prefix sums of byte x P**position give
    each word's sum in two lookups, and multiplying by P**-start (P is odd, so it has an
    inverse modulo 2**64) makes the key independent of where the word stands."""
    inside = _ALNUM[data]
    if not inside.any():
        return np.zeros(0, dtype=np.uint64)
    # text_bytes pads with spaces, so every word starts and ends strictly inside `data`.
    # `np.diff` and `np.flatnonzero` spelled out: their Python wrappers cost more than the
    # arithmetic on a prompt's few hundred bytes (two texts per guarded call).
    flags = inside.view(np.int8)
    edges = flags[1:] - flags[:-1]
    starts = (edges == 1).nonzero()[0] + 1
    ends = (edges == -1).nonzero()[0] + 1
    size = len(data)
    power, inverse = _power_tables(max(_MIN_TABLE, 1 << (size - 1).bit_length()))
    prefix = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum((data + np.uint64(1)) * power[:size], out=prefix[1:])
    words = ((prefix[ends] - prefix[starts]) * inverse[starts]) ^ (ends - starts).astype(np.uint64)
    parts = []
    for n in sizes:
        count = len(words) - n + 1
        if count <= 0:
            continue
        key = words[:count]  # a view: each step below makes a new array
        for k in range(1, n):
            key = key * _WORD_PRIME + words[k : k + count]
        parts.append(key ^ np.uint64((0x40 + n) << _SIZE_TAG))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def _powers(base: int, count: int) -> npt.NDArray[np.uint64]:
    out = np.empty(count, dtype=np.uint64)
    out[0] = 1
    np.cumprod(np.full(count - 1, base, dtype=np.uint64), out=out[1:])
    return out


_MIN_TABLE = 1 << 14
"""Powers for texts up to 16 KiB of UTF-8 (4000 normalized characters need far less)."""


@lru_cache(maxsize=2)
def _power_tables(size: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """P**k and P**-k modulo 2**64 for k < size (size is a power of two: few tables)."""
    return _powers(int(_WORD_PRIME), size), _powers(pow(int(_WORD_PRIME), -1, 1 << 64), size)


def text_bytes(text: str) -> npt.NDArray[np.uint64]:
    return np.frombuffer((" " + text + " ").encode("utf-8"), dtype=np.uint8).astype(np.uint64)


def sparse_features(text: str, spec: FeatureSpec) -> tuple[IndexArray, IndexArray]:
    """Bucket indices (with repeats) of the character and of the word n-grams of already
    normalized `text`. A model reads each block as raw counts over sqrt(occurrences)."""
    both, n_chars = feature_buckets(text, spec)
    return both[:n_chars], both[n_chars:]


def feature_buckets(text: str, spec: FeatureSpec) -> tuple[IndexArray, int]:
    """`sparse_features` as one array, the character block first, and its length: what
    stage 1 gathers in one `take`, without splitting and joining the blocks again."""
    data = text_bytes(text)
    chars = char_ngram_keys(data, spec.char_ngrams)
    both = _bucket(np.concatenate([chars, word_keys(data, spec.word_ngrams)]), spec.bits)
    return both, len(chars)


class StaticEmbedder:
    """WordLlama's static token embeddings, mean pooled and L2-normalized.

    WordLlama's own loader looks for the tokenizer in the wrong folder and then tries to
    download it, so the two files of the wheel are read directly: the tokenizer JSON with
    `tokenizers`, the float16 safetensors matrix with numpy (no safetensors import).
    """

    def __init__(self, package: str = "wordllama", max_tokens: int = 512) -> None:
        root = package_dir(package)
        tokenizer_file = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
        weights_file = root / "weights" / "l2_supercat_256.safetensors"
        try:
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        except Exception as exc:
            raise SignalError(
                f"cannot load the WordLlama tokenizer from {tokenizer_file}: {exc}; "
                "reinstall charter (it depends on wordllama and tokenizers)"
            ) from None
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._cache: dict[str, tuple[int, ...]] = {}
        self._cached_ids = 0
        self._max_words = max_tokens
        # A plain float32 array, not the file's float16 memmap: memmap's bookkeeping would run
        # on every lookup, and numpy converts float16 rows slowly (~7x the lookup itself).
        self.matrix = np.array(
            read_safetensors_matrix(weights_file, "embedding.weight"), np.float32
        )
        self.dim = int(self.matrix.shape[1])

    def token_ids(self, text: str) -> list[int]:
        """Token ids of `text`, word by word through a cache: SentencePiece splits on
        whitespace, so a word's pieces do not depend on its neighbours, and a dict lookup
        per word is far cheaper than the tokenizer call. Only short words are remembered, up
        to a total of ids: a caller sending long made-up words must not grow the cache by
        kilobytes a word (a 900-letter word is ~500 ids). A full cache starts over, so one
        request of made-up words cannot leave it full for good (found by review)."""
        ids: list[int] = []
        cache = self._cache
        for word in text.split()[: self._max_words]:
            pieces = cache.get(word)
            if pieces is None:
                pieces = tuple(self._tokenizer.encode(word, add_special_tokens=False).ids)
                if len(word) <= _CACHE_WORD_CHARS:
                    if len(cache) >= _CACHE_WORDS or self._cached_ids + len(pieces) > _CACHE_IDS:
                        cache.clear()  # start over: one request filling it must not
                        self._cached_ids = 0  # leave every later new word uncached
                    cache[word] = pieces
                    self._cached_ids += len(pieces)
            ids.extend(pieces)
        return ids

    def embed(self, text: str) -> FloatArray:
        ids = self.token_ids(text)
        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        # The sum, not the mean: the vector is scaled to unit length next anyway.
        vector = self.matrix.take(np.asarray(ids, dtype=np.intp), axis=0).sum(axis=0)
        norm = float(np.sqrt(vector @ vector))
        return np.asarray(vector / norm if norm > 0 else vector, dtype=np.float32)


_CACHE_WORDS = 200_000
"""Words whose pieces are remembered; others are re-tokenized."""
_CACHE_WORD_CHARS = 32
"""Longer words (URLs, encoded blobs, made-up strings) are re-tokenized, never remembered."""
_CACHE_IDS = 500_000
"""Token ids remembered in all: with the two caps above, the cache stays a few tens of MB."""
