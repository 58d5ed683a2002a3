"""Score alignment: a retrained classifier moved onto the score scale its policy was set for.

The policy's thresholds (harm 0.5, jailbreak 0.5/0.8, ...) are numbers chosen for one
model. A model retrained on other data may rank texts better and still put its scores
lower or higher overall, and then every threshold silently means something else (round 9
of the shipped model's experiments failed this way). Alignment picks one logit shift for
the new model, the one nearest zero at which it flags at least as many texts of a
calibration set as the reference model does, and records it in the artifact
(`score_shift`), so the scores the policy reads keep the meaning the thresholds were
written for. A model that already flags that many is left as it is (shift 0: a model
aligned to itself does not move), so alignment only ever raises scores that sit too low;
it never lowers a model's scores, which could switch the classifier off without a word.

The calibration set should be texts neither model trained on and no report reads: the
shift is fitted on it, so it says nothing about how well the model does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from charter.signals.base import SignalError
from charter.signals.classifier import SafetyClassifier, shifted
from charter.signals.model import Artifact, load_artifact

FLAG_HEADS = ("jailbreak", "prompt_injection", "harm")
"""A text is flagged when any of these heads reaches FLAG_AT (the policy's lowest acting
threshold for each: jailbreak review 0.5, harm 0.5)."""
FLAG_AT = 0.5
STEP = 0.001
LIMIT = 6.0
"""Largest shift tried: at it the models disagree too much to align."""


@dataclass(frozen=True)
class Alignment:
    """What `align` found: the shift (added to the model's own, if it had one) and the
    flag counts it matches."""

    shift: float
    reference_revision: str
    reference_flagged: int
    flagged_before: int
    flagged_after: int
    texts: int
    texts_sha256: str

    def record(self) -> dict[str, object]:
        """What the artifact's manifest keeps (`score_shift`), so its revision changes."""
        return {
            "logit": self.shift,
            "reference": self.reference_revision,
            "calibration": {
                "texts": self.texts,
                "sha256": self.texts_sha256,
                "reference_flagged": self.reference_flagged,
            },
        }


def flagged(probs: npt.NDArray[np.float32], labels: Sequence[str], shift: float = 0.0) -> int:
    """How many rows of `probs` (texts x labels) any FLAG_HEADS column flags after `shift`."""
    columns = probs[:, [list(labels).index(h) for h in FLAG_HEADS]]
    if shift:
        columns = shifted(columns, shift)
    return int((columns.max(axis=1) >= FLAG_AT).sum())


def fit_shift(probs: npt.NDArray[np.float32], labels: Sequence[str], target: int) -> float:
    """The shift nearest zero (STEP grid) at which at least `target` rows are flagged: 0
    when they already are, else the lowest positive one; the count only grows with the
    shift, so a bisection over the grid finds it. A shift at the range's end is an error:
    there the models disagree too much for one shift to mean anything."""
    if flagged(probs, labels) >= target:
        return 0.0
    low, high = 0, round(LIMIT / STEP)
    while low < high:
        mid = (low + high) // 2
        if flagged(probs, labels, mid * STEP) >= target:
            high = mid
        else:
            low = mid + 1
    if high == round(LIMIT / STEP):
        raise SignalError(
            f"no shift below +{LIMIT} makes the model flag {target} calibration texts; "
            "the models disagree too much to align on this set"
        )
    return round(high * STEP, 3)


def align(model: Path, reference: Path, texts: Sequence[str]) -> tuple[Artifact, Alignment]:
    """`model`'s artifact with the score shift that matches `reference` on `texts`."""
    if not texts:
        raise SignalError("alignment needs calibration texts; the set given is empty")
    ref = SafetyClassifier(reference, memo=0)
    new = SafetyClassifier(model, memo=0)
    if new.labels != ref.labels:
        raise SignalError(f"{model} and {reference} have different labels; cannot align")
    target = flagged(np.stack([ref.probabilities(t) for t in texts]), ref.labels)
    probs = np.stack([new.probabilities(t) for t in texts])
    delta = fit_shift(probs, new.labels, target)
    found = Alignment(
        shift=round(new.score_shift + delta, 3),
        reference_revision=ref.revision,
        reference_flagged=target,
        flagged_before=flagged(probs, new.labels),
        flagged_after=flagged(probs, new.labels, delta),
        texts=len(texts),
        texts_sha256=hashlib.sha256("\n".join(texts).encode()).hexdigest(),
    )
    # The classifier keeps no weights once loaded, so the artifact is read again to save it.
    artifact, _ = load_artifact(model.resolve())
    return replace(artifact, meta={**artifact.meta, "score_shift": found.record()}), found
