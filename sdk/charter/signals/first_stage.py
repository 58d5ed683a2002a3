"""Stage 1 of the safety classifier: linear heads over hashed n-grams and WordLlama's static
embedding, the cascade's heads and any extra heads (`charter.signals.model.HEAD_PREFIX`) in
one table, so one gather scores them all."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from charter.signals.arrays import FloatArray
from charter.signals.base import SignalError
from charter.signals.features import FeatureSpec, StaticEmbedder, clip, feature_buckets
from charter.signals.model import HEAD_PREFIX, STAGE_ONE_ARRAYS, Artifact
from charter.signals.normalize import scoring_text

MAX_RAW_CHARS = 16_000
"""Characters of a text that are read at all (the first 3/4 and the last 1/4 of longer
texts), so that normalizing and decoding a huge input stays bounded too."""


class FirstStage:
    """Linear heads over hashed n-grams and the static embedding."""

    def __init__(self, artifact: Artifact) -> None:
        arrays = artifact.arrays
        self.spec: FeatureSpec = artifact.spec
        # One table for both n-gram blocks (word buckets after the character buckets), so
        # a text's rows are gathered in a single `take`; stored compactly: half the buckets
        # never occurred in training and have all-zero weights, so they share one zero row
        # and `rows` maps a bucket to its row (the same rows are gathered: same results).
        # Built block by block from the stored float16 rows, never as one float32 copy of
        # the full table: that transient copy (35 MB) stayed in the process's heap after
        # it was freed and counted against the stage's resident memory.
        extra = _extra_arrays(artifact)
        blocks = [arrays["char"], arrays["word"]]
        used = [np.flatnonzero(np.any(part != 0, axis=1)) for part in blocks]
        n_used = sum(len(u) for u in used)
        self.rows = np.full(sum(len(b) for b in blocks), n_used, dtype=np.int32)
        self.table = np.zeros((n_used + 1, blocks[0].shape[1]), dtype=np.float32)
        row = offset = 0
        for block, rows in zip(blocks, used, strict=True):
            self.rows[offset + rows] = np.arange(row, row + len(rows), dtype=np.int32)
            self.table[row : row + len(rows)] = block[rows]
            row, offset = row + len(rows), offset + len(block)
        # The extra heads' n-gram columns: their own float32 table over every bucket,
        # gathered by bucket with no row map (2 MB a head). Beside the cascade's rows they
        # would cost a cascade-wide row for each bucket only a head uses (4.5 MB for
        # tool_injection); kept in float16 they would be widened on every gather, which
        # costs more than the gather. Their dense and bias columns sit beside the cascade's.
        self.extra_table = (
            np.concatenate([extra["char"], extra["word"]]).astype(np.float32) if extra else None
        )

        def columns(name: str) -> list[npt.NDArray[np.generic]]:
            return [arrays[name], *([extra[name]] if extra else [])]

        self.dense = np.ascontiguousarray(np.hstack(columns("dense")), dtype=np.float32)
        self.bias = np.concatenate(columns("bias")).astype(np.float32)
        self.main = len(artifact.labels)
        """Heads before this index are the cascade's; the rest are extra (stage 1 only)."""
        self.embedder = _embedder()

    def prepare(self, text: str, found: Sequence[str] | None = None) -> str:
        """What stage 1 reads of `text`; `found`, its payloads when already decoded."""
        return clip(scoring_text(clip(text, MAX_RAW_CHARS), found), self.spec.max_chars)

    def logits(self, prepared: str) -> FloatArray:
        spec = self.spec
        buckets, n_chars = feature_buckets(prepared, spec)
        buckets[n_chars:] += spec.buckets  # word rows follow the character rows
        static = self.embedder.embed(prepared) * np.float32(spec.dense_scale)
        z = self.bias + static @ self.dense
        n_words = len(buckets) - n_chars
        if n_chars or n_words:
            scale = np.empty(n_chars + n_words, dtype=np.float32)
            scale[:n_chars], scale[n_chars:] = spec.block_scales(n_chars, n_words)
            main = self.main
            z[:main] += scale @ self.table.take(self.rows.take(buckets), axis=0)
            if self.extra_table is not None:
                z[main:] += scale @ self.extra_table.take(buckets, axis=0)
        return np.asarray(z, dtype=np.float32)


def _extra_arrays(artifact: Artifact) -> dict[str, npt.NDArray[np.generic]]:
    """The extra heads' arrays by part (`char`, ...), each checked against the cascade's
    array of that part and the number of names (empty when there are none)."""
    count = len(artifact.extra_labels)
    if not count:
        return {}
    arrays = artifact.arrays
    for name in STAGE_ONE_ARRAYS:
        array = arrays.get(HEAD_PREFIX + name)
        main = arrays[name]
        if (
            array is None
            or array.ndim != main.ndim
            or array.shape[-1] != count
            or array.shape[:-1] != main.shape[:-1]
        ):
            raise SignalError(
                f"the model names {count} extra head(s) but its {HEAD_PREFIX}{name} array "
                f"is {None if array is None else array.shape}; retrain the model"
            )
    return {name: arrays[HEAD_PREFIX + name] for name in STAGE_ONE_ARRAYS}


@lru_cache(maxsize=1)
def _embedder() -> StaticEmbedder:
    return StaticEmbedder()
