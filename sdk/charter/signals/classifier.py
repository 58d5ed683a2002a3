"""`SafetyClassifier`: the offline semantic classifier cascade behind `input.signals`.

Stage 1 (every text, a fraction of a millisecond): normalized text -> hashed character and
word n-grams + WordLlama static embedding -> one linear head per label. It settles a text
when every gate head (jailbreak, prompt injection, any harm) is below the artifact's
`gate`, a threshold chosen on out-of-fold training predictions so that almost no attack
is settled. Stage 2 (the rest): a fine-tuned MiniLM encoder (int8 ONNX) reads the text in
context and its probabilities are averaged with stage 1's.

Scores: `jailbreak`, `prompt_injection`, `harm` and `harm.<category>` for every category
of the harm taxonomy, each in [0, 1]. `revision` is the artifact's content hash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from charter._canonical import valid_text
from charter.signals._memory import release_freed_heap
from charter.signals.arrays import FloatArray
from charter.signals.base import SignalError, check_score_name, env_flag
from charter.signals.decode import payloads
from charter.signals.features import clip
from charter.signals.first_stage import MAX_RAW_CHARS, FirstStage
from charter.signals.memo import ScoreMemo, memo_key, memo_size
from charter.signals.model import (
    ANY_HARM,
    ENCODER,
    HARM_PREFIX,
    MANIFEST,
    VOCAB,
    Artifact,
    load_artifact,
    load_files,
)
from charter.signals.normalize import context_text
from charter.signals.passages import PassageRule

if TYPE_CHECKING:
    from charter.signals.encoder import ContextEncoder

GATE_HEADS = ("jailbreak", "prompt_injection", ANY_HARM)
"""Stage 1 sends a text on when any of these is at or above the gate."""
MODEL_ENV = "CHARTER_SIGNALS_MODEL"
CONTEXT_ENV = "CHARTER_SIGNALS_CONTEXT"
"""Set to 0/false/off to switch the contextual second stage off (cheaper, less accurate)."""


def default_model_dir(bundle: str | Path | None = None) -> Path:
    """CHARTER_SIGNALS_MODEL; else the configured bundle's `signals/model` when it has one;
    else the model shipped in the starter bundle (policies/signals/model)."""
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return Path(configured)
    if bundle is not None:
        candidate = Path(bundle) / "signals" / "model"
        if (candidate / MANIFEST).is_file():
            return candidate
    from charter.config import DEFAULT_POLICIES

    return Path(DEFAULT_POLICIES) / "signals" / "model"


def context_stage_enabled() -> bool:
    return env_flag(CONTEXT_ENV, default=True)


SECOND_WEIGHT = 0.5
"""The contextual stage's share inside the band when the artifact records none."""


def combine_stages(
    first: FloatArray, second: FloatArray, weight: float = SECOND_WEIGHT
) -> FloatArray:
    """Inside the band the two stages' probabilities are mixed, `weight` on the second
    (`cascade.second_weight`; 0.5, an equal average, as in round 1): the small fine-tuned
    encoder alone overrode confident stage-1 verdicts on plain harmful requests, and the
    n-gram stage alone misreads look-alikes; each corrects the other. (At 0.5 this is
    exactly the old `(first + second) * 0.5`: halving is exact in binary floating point.)"""
    w = np.float32(weight)
    return np.asarray(first * (np.float32(1) - w) + second * w, dtype=np.float32)


def second_weight(cascade: Mapping[str, object]) -> float:
    """The artifact's `cascade.second_weight`, checked (0.5 when absent)."""
    raw = cascade.get("second_weight", SECOND_WEIGHT)
    weight = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else -1.0
    if not 0.0 <= weight <= 1.0:
        raise SignalError(f"the model's cascade.second_weight must be in [0, 1], got {raw!r}")
    return weight


def policy_scores(
    probs: npt.NDArray[np.floating], labels: Sequence[str]
) -> npt.NDArray[np.float64]:
    """Head probabilities (one row per text, or one text) -> policy scores, as rows.

    `harm` is the aggregate head (harmful in any category); `harm.<category>` is `harm`
    scaled by how that category compares with the most likely one, so the likeliest
    category carries the full aggregate score and the policy's rule for *that* category
    fires. The classifier scores texts with it and training calibrates thresholds with it."""
    out = np.array(probs, dtype=np.float64, ndmin=2)
    harm, any_harm = _harm_rows(tuple(labels))
    if any_harm is not None and len(harm):
        part = out[:, harm]
        top = part.max(axis=1, keepdims=True)
        ratio = np.divide(part, top, out=np.zeros_like(part), where=top > 0)
        out[:, harm] = out[:, any_harm : any_harm + 1] * ratio
    return out


@lru_cache(maxsize=8)
def _harm_rows(labels: tuple[str, ...]) -> tuple[npt.NDArray[np.intp], int | None]:
    """Rows of the per-category harm heads and of the aggregate head (once per label set)."""
    harm = np.asarray([i for i, label in enumerate(labels) if label.startswith(HARM_PREFIX)])
    return harm.astype(np.intp), (labels.index(ANY_HARM) if ANY_HARM in labels else None)


def sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))), dtype=np.float32)


def score_shift(meta: Mapping[str, object]) -> float:
    """The artifact's logit shift (`charter signals align`; 0 when it has none)."""
    record = meta.get("score_shift")
    return float(record.get("logit", 0.0)) if isinstance(record, Mapping) else 0.0


def shifted(probs: FloatArray, shift: float) -> FloatArray:
    """Probabilities with `shift` added to every logit: a retrained model's scores moved
    onto the scale the policy's thresholds were set for, without changing their order.
    Shifts add up, so aligning an aligned model again composes."""
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-7, 1 - 1e-7)
    return sigmoid(np.asarray(np.log(p / (1 - p)) + shift, dtype=np.float32))


class SafetyClassifier:
    """The default safety signal: scores every text for jailbreak, prompt injection and
    each harm category, fully offline (weights from the bundle and from pip packages).

    `context_stage=False` (or CHARTER_SIGNALS_CONTEXT=0) runs stage 1 only. `memo` (or
    CHARTER_SIGNALS_MEMO; default 2048, 0 = off) is how many recent texts' results are
    kept by digest, so a chat's earlier messages are not scored again every turn; in a
    guarded call, only for the caller who sent them (`charter.signals.memo`).
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        name: str = "safety",
        context_stage: bool | None = None,
        memo: int | None = None,
    ) -> None:
        self.name = check_score_name(name, what="signal name")
        folder = Path(model_dir) if model_dir is not None else default_model_dir()
        folder = folder.resolve()
        loaded = _load(folder, _revision_of(folder))
        artifact, self.revision = loaded.artifact, loaded.revision
        self.labels: tuple[str, ...] = artifact.labels + artifact.extra_labels
        """The cascade's heads, then the extra heads (stage 1 only, e.g. `tool_injection`)."""
        self.meta = artifact.meta
        self._first = loaded.first
        cascade = artifact.meta.get("cascade", {})
        self.gate = float(cascade.get("gate", 0.0))
        self.second_weight = second_weight(cascade)
        self._gate_rows = np.asarray([self.labels.index(h) for h in GATE_HEADS])
        harm_rows, any_harm = _harm_rows(self.labels)
        self._harm: tuple[list[int], int | None] = (harm_rows.tolist(), any_harm)
        self.passages = PassageRule.from_meta(artifact.meta)
        self.score_shift = score_shift(artifact.meta)
        use_context = context_stage_enabled() if context_stage is None else context_stage
        self._second: ContextEncoder | None = None
        if use_context and loaded.context_available:
            self._second = _context_encoder(folder, self.revision, int(cascade.get("window", 64)))
        self.memo = ScoreMemo(memo_size() if memo is None else memo)

    @property
    def context_stage(self) -> bool:
        return self._second is not None

    @property
    def second_stage(self) -> ContextEncoder | None:
        """The contextual encoder (None when switched off), for benchmarks."""
        return self._second

    def score(self, text: str) -> dict[str, float]:
        return self.scores(self.probabilities(text))

    def scores(self, probs: FloatArray) -> dict[str, float]:
        """Head probabilities -> policy scores in [0, 1]: `policy_scores` for one text, in
        plain Python (numpy's per-call overhead on 17 numbers cost more than the arithmetic,
        ~12 µs a text); the same float64 operations in the same order, the same values."""
        values: list[float] = np.asarray(probs, dtype=np.float64).reshape(-1).tolist()
        harm, any_harm = self._harm
        if any_harm is not None and harm:
            top = max(values[i] for i in harm)
            whole = values[any_harm]
            for i in harm:
                values[i] = whole * (values[i] / top) if top > 0 else 0.0
        return {
            label: round(min(max(v, 0.0), 1.0), 4)
            for label, v in zip(self.labels, values, strict=True)
        }

    async def ascore(self, text: str) -> dict[str, float]:
        return self.score(text)

    def probabilities(self, text: str) -> FloatArray:
        if not isinstance(text, str):
            raise SignalError(
                f"{self.name}: score() takes the text as str, got {type(text).__name__}"
            )
        key = memo_key(text) if self.memo.size else None
        found = self.memo.get(key) if key else None
        if found is not None:
            return found
        parts = self._suspect_parts(text)
        if len(parts) == 1:
            probs = self._cascade(*parts[0])
        else:
            cascaded = [self._cascade(*part) for part in parts]
            probs = np.asarray(np.maximum.reduce(cascaded), np.float32)
        if self.score_shift:  # set for the cascade's heads; the extra heads keep theirs
            main = self._first.main
            probs = np.concatenate([shifted(probs[:main], self.score_shift), probs[main:]])
        if key:
            self.memo.put(key, probs)
        return probs

    def _suspect_parts(self, text: str) -> list[tuple[str, list[str], FloatArray]]:
        """The parts of `text` the cascade reads, with their stage-1 probabilities: the
        whole text; for a long text and a model trained on passages, the most suspect of
        the whole text and its passages (`PassageRule`)."""
        rule = self.passages
        raw = _readable(text)
        parts = [raw, *rule.passages(raw)] if rule is not None else [raw]
        firsts = []
        for part in parts:
            found = payloads(part)  # decoded once, read by both stages
            firsts.append((part, found, self._stage_one_probabilities(part, found)))
        if len(firsts) == 1 or rule is None:
            return firsts
        firsts.sort(key=lambda pf: -float(pf[2][self._gate_rows].max()))
        return firsts[: rule.cascade_parts]

    def _cascade(self, raw: str, found: list[str], first: FloatArray) -> FloatArray:
        if self._second is not None and self.uncertain(first):
            second = sigmoid(self._second.logits(context_text(raw, found)))
            main = self._first.main  # the extra heads keep stage 1's value
            combined = combine_stages(first[:main], second, self.second_weight)
            return combined if main == len(first) else np.concatenate([combined, first[main:]])
        return first

    def uncertain(self, probs: FloatArray) -> bool:
        """Stage 1 settles a text when every gate head is below the gate."""
        return bool(probs[self._gate_rows].max() >= self.gate)

    def sent_to_second_stage(self, text: str) -> bool:
        """Whether the cascade would run the contextual stage on `text` (benchmarks)."""
        return self._second is not None and any(
            self.uncertain(first) for _, _, first in self._suspect_parts(text)
        )

    def settled_scores(self, text: str) -> dict[str, float]:
        """The scores stage 1 settles alone, the extra heads (`tool_injection`), with the
        values `score` gives them, without the contextual stage: what a tool result's items
        are read with, one by one (a contextual read of each of 20 search hits cost ~7 ms
        apiece). The cascade's heads are left out: without stage 2 they are other numbers."""
        main = self._first.main
        if main == len(self.labels):  # no extra heads: what the rules read is the cascade's
            return self.score(text)
        firsts = [first for _, _, first in self._suspect_parts(text)]
        probs = firsts[0] if len(firsts) == 1 else np.maximum.reduce(firsts)
        return {
            label: round(min(max(float(v), 0.0), 1.0), 4)
            for label, v in zip(self.labels[main:], probs[main:].tolist(), strict=True)
        }

    def stage_one(self, text: str) -> dict[str, float]:
        """Stage 1's scores alone (for benchmarks and diagnostics)."""
        return self.scores(self._stage_one_probabilities(_readable(text)))

    def _stage_one_probabilities(self, text: str, found: Sequence[str] | None = None) -> FloatArray:
        return sigmoid(self._first.logits(self._first.prepare(text, found)))

    def __repr__(self) -> str:
        return (
            f"SafetyClassifier(revision={self.revision!r}, labels={len(self.labels)}, "
            f"context_stage={self.context_stage})"
        )


def _readable(text: str) -> str:
    """What both stages read of `text`: at most `MAX_RAW_CHARS`, valid Unicode (a lone
    surrogate becomes U+FFFD: UTF-8 n-grams and the tokenizer refuse it)."""
    return valid_text(clip(text, MAX_RAW_CHARS))


@dataclass(frozen=True)
class _Loaded:
    artifact: Artifact
    """Without its arrays (stage 1 holds them, as one table) or its files (the contextual
    stage reads them when it is built): neither is kept twice."""
    revision: str
    first: FirstStage
    context_available: bool


def _revision_of(folder: Path) -> str:
    """The revision the manifest records (a hash of the artifact's content): what `_load`
    is keyed by beside the folder, so a model saved over the one loaded is loaded afresh
    (found by probing: keyed by folder alone, Charters built after a retrained model was
    saved into the bundle kept scoring with the old one), while a manifest only rewritten
    (same content) is not loaded twice (review: keyed by its bytes, +20 MB each time).
    Unreadable: "", and `load_artifact` says why."""
    try:
        doc = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return ""
    return str(doc.get("revision", "")) if isinstance(doc, dict) else ""


@lru_cache(maxsize=4)
def _load(folder: Path, revision: str) -> _Loaded:
    """One copy of each model per process: many Charter instances share it. `revision`
    only keys the cache (`_revision_of`); the one loaded is checked against the bytes."""
    artifact, revision = load_artifact(folder)
    first = FirstStage(artifact)
    loaded = _Loaded(
        replace(artifact, arrays={}, files={}), revision, first, artifact.has_context_stage
    )
    del artifact
    release_freed_heap()
    return loaded


@lru_cache(maxsize=4)
def _context_encoder(folder: Path, revision: str, window: int) -> ContextEncoder:
    """The contextual stage, built once per model and shared (it serialises its runs)."""
    from charter.signals.encoder import ContextEncoder

    files = load_files(folder, revision)
    encoder = ContextEncoder(files[ENCODER], files[VOCAB].decode("utf-8"), window)
    del files
    release_freed_heap()
    return encoder


def harm_categories(scores: Mapping[str, float]) -> dict[str, float]:
    """The `harm.<category>` scores of a score mapping, keyed by category."""
    return {k.removeprefix("harm."): v for k, v in scores.items() if k.startswith("harm.")}
