"""`SafetyClassifier`: the offline semantic classifier cascade behind `input.signals`.

Stage 1 (always, well under a millisecond): normalized text -> hashed character and word
n-grams + WordLlama static embedding -> one linear head per label. Stage 2 (only when
stage 1 is unsure, i.e. some label's probability falls in the artifact's uncertain band):
a contextual sentence encoder (all-MiniLM-L6-v2, int8 ONNX) whose embedding, together
with stage 1's logits, feeds a second head that replaces stage 1's answer.

Scores: `jailbreak`, `prompt_injection` and `harm.<category>` for every category of the
harm taxonomy, each in [0, 1]. `revision` is the artifact's content hash.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from charter.signals.base import SignalError, check_score_name
from charter.signals.features import (
    FeatureSpec,
    StaticEmbedder,
    clip,
    sparse_features,
)
from charter.signals.model import HARM_PREFIX, Artifact, load_artifact
from charter.signals.normalize import scoring_text

ANY_HARM = "harm"
MODEL_ENV = "CHARTER_SIGNALS_MODEL"
CONTEXT_ENV = "CHARTER_SIGNALS_CONTEXT"
"""Set to 0/false/off to switch the contextual second stage off (cheaper, less accurate)."""

FloatArray = npt.NDArray[np.float32]


def default_model_dir() -> Path:
    """CHARTER_SIGNALS_MODEL, else the model shipped in the bundle (policies/signals/model)."""
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return Path(configured)
    from charter.config import DEFAULT_POLICIES

    return Path(DEFAULT_POLICIES) / "signals" / "model"


def context_stage_enabled() -> bool:
    return os.environ.get(CONTEXT_ENV, "1").strip().lower() not in {"0", "false", "off", "no"}


class FirstStage:
    """Linear heads over hashed n-grams and the static embedding."""

    def __init__(self, artifact: Artifact) -> None:
        arrays = artifact.arrays
        self.spec: FeatureSpec = artifact.spec
        self.char = np.ascontiguousarray(arrays["char"], dtype=np.float32)
        self.word = np.ascontiguousarray(arrays["word"], dtype=np.float32)
        self.dense = np.ascontiguousarray(arrays["dense"], dtype=np.float32)
        self.bias = np.asarray(arrays["bias"], dtype=np.float32)
        self.embedder = _embedder()

    def prepare(self, text: str) -> str:
        return clip(scoring_text(text), self.spec.max_chars)

    def logits(self, prepared: str) -> tuple[FloatArray, FloatArray]:
        """Stage 1's logits and the static embedding (stage 2 reads it too)."""
        chars, words = sparse_features(prepared, self.spec)
        static = self.embedder.embed(prepared) * np.float32(self.spec.dense_scale)
        z = self.bias + static @ self.dense
        if len(chars):
            z = z + np.ones(len(chars), np.float32) @ self.char[chars] / np.sqrt(len(chars))
        if len(words):
            z = z + np.ones(len(words), np.float32) @ self.word[words] / np.sqrt(len(words))
        return np.asarray(z, dtype=np.float32), static


@lru_cache(maxsize=1)
def _embedder() -> StaticEmbedder:
    return StaticEmbedder()


def sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))), dtype=np.float32)


class SafetyClassifier:
    """The default safety signal: scores every text for jailbreak, prompt injection and
    each harm category, fully offline (weights from the bundle and from pip packages).

    `context_stage=False` (or CHARTER_SIGNALS_CONTEXT=0) runs stage 1 only.
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        name: str = "safety",
        context_stage: bool | None = None,
    ) -> None:
        self.name = check_score_name(name, what="signal name")
        folder = Path(model_dir) if model_dir is not None else default_model_dir()
        artifact, self.revision = _load(folder.resolve())
        self.labels: tuple[str, ...] = artifact.labels
        self.meta = artifact.meta
        self._first = FirstStage(artifact)
        band = artifact.meta.get("cascade_band", [0.0, 0.0])
        self.band = (float(band[0]), float(band[1]))
        use_context = context_stage_enabled() if context_stage is None else context_stage
        self._second = None
        if use_context and artifact.has_context_stage:
            from charter.signals.context import ContextStage

            self._second = ContextStage(artifact)

    @property
    def context_stage(self) -> bool:
        return self._second is not None

    def score(self, text: str) -> dict[str, float]:
        return self.scores(self.probabilities(text))

    def scores(self, probs: FloatArray) -> dict[str, float]:
        """Head probabilities -> policy scores. `harm` is the aggregate head (harmful in
        any category); `harm.<category>` is `harm` scaled by how that category compares
        with the most likely one, so the likeliest category carries the full aggregate
        score and the policy's rule for *that* category fires."""
        values = {label: float(p) for label, p in zip(self.labels, probs, strict=True)}
        if ANY_HARM in values:
            categories = [k for k in values if k.startswith(HARM_PREFIX)]
            top = max((values[k] for k in categories), default=0.0)
            for k in categories:
                values[k] = values[ANY_HARM] * (values[k] / top if top > 0 else 0.0)
        return {k: round(min(1.0, max(0.0, v)), 4) for k, v in values.items()}

    async def ascore(self, text: str) -> dict[str, float]:
        return self.score(text)

    def probabilities(self, text: str) -> FloatArray:
        if not isinstance(text, str):
            raise SignalError(
                f"{self.name}: score() takes the text as str, got {type(text).__name__}"
            )
        prepared = self._first.prepare(text)
        logits, static = self._first.logits(prepared)
        probs = sigmoid(logits)
        if self._second is not None and self.uncertain(probs):
            probs = self._second.probabilities(prepared, static, probs)
        return probs

    def uncertain(self, probs: FloatArray) -> bool:
        """Stage 1 settles a text when every label is clearly below or above the band."""
        low, high = self.band
        return bool(np.any((probs >= low) & (probs < high)))

    def sent_to_second_stage(self, text: str) -> bool:
        """Whether the cascade would run the contextual stage on `text` (benchmarks)."""
        logits, _ = self._first.logits(self._first.prepare(text))
        return self._second is not None and self.uncertain(sigmoid(logits))

    def stage_one(self, text: str) -> dict[str, float]:
        """Stage 1's scores alone (for benchmarks and diagnostics)."""
        return self.scores(sigmoid(self._first.logits(self._first.prepare(text))[0]))

    def __repr__(self) -> str:
        return (
            f"SafetyClassifier(revision={self.revision!r}, labels={len(self.labels)}, "
            f"context_stage={self.context_stage})"
        )


@lru_cache(maxsize=4)
def _load(folder: Path) -> tuple[Artifact, str]:
    """One copy of each artifact per process: many Charter instances share it."""
    return load_artifact(folder)


def harm_categories(scores: Mapping[str, float]) -> dict[str, float]:
    """The `harm.<category>` scores of a score mapping, keyed by category."""
    return {k.removeprefix("harm."): v for k, v in scores.items() if k.startswith("harm.")}
