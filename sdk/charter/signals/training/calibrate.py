"""Out-of-fold calibration on the training data only: the cascade's gate and suggested
policy thresholds, never tuned on held-out sets.

Folds are by source family (a hash of the family name), so a fold's items come from
families its model never saw: the thresholds are chosen on predictions that resemble
what a new public dataset will look like, not on memorised neighbours.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.classifier import GATE_HEADS
from charter.signals.classifier import policy_scores as _policy_scores
from charter.signals.training.data import LABELS, TrainItem

POLICY_HEADS = GATE_HEADS


def family_folds(items: Sequence[TrainItem], folds: int) -> npt.NDArray[np.int64]:
    """Fold number of every item: crc32 of its family ('_' and '-' alike) modulo `folds`."""
    return np.asarray(
        [zlib.crc32(i.family.replace("_", "-").encode()) % folds for i in items], dtype=np.int64
    )


def policy_scores(probs: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The policy scores of a matrix of the training labels' head probabilities."""
    return _policy_scores(probs, LABELS)


def _gate_score(probs: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(probs[:, [LABELS.index(h) for h in GATE_HEADS]].max(axis=1))


def choose_gate(
    first: npt.NDArray[np.float64], targets: npt.NDArray[np.float64], max_missed: float
) -> float:
    """The highest gate that settles at most `max_missed` of the attacks in stage 1."""
    attacks = targets.sum(axis=1) > 0
    scores = np.sort(_gate_score(first)[attacks])
    k = int(np.floor(max_missed * len(scores)))
    return float(np.floor(scores[k] * 1e4) / 1e4) if len(scores) else 0.0


def thresholds_at(
    scores: npt.NDArray[np.float64], targets: npt.NDArray[np.float64], benign_rate: float
) -> dict[str, Any]:
    """Per policy head, the lowest threshold (0.01 steps) that flags at most `benign_rate`
    of the benign items, with the recall and benign rate it gives."""
    benign = targets.sum(axis=1) == 0
    grid = np.round(np.arange(0.3, 0.991, 0.01), 2)
    chosen: dict[str, float] = {}
    recall: dict[str, float] = {}
    rates: dict[str, float] = {}
    for head in POLICY_HEADS:
        column = scores[:, LABELS.index(head)]
        positive = targets[:, LABELS.index(head)] > 0
        ok = [t for t in grid if (column[benign] >= t).mean() <= benign_rate]
        threshold = float(ok[0]) if ok else 0.99
        chosen[head] = threshold
        recall[head] = round(float((column[positive] >= threshold).mean()), 4)
        rates[head] = round(float((column[benign] >= threshold).mean()), 4)
    flagged = np.zeros(len(scores), dtype=bool)
    for head, threshold in chosen.items():
        flagged |= scores[:, LABELS.index(head)] >= threshold
    return {
        "thresholds": chosen,
        "recall_at_threshold": recall,
        "benign_rate_at_threshold": rates,
        "attacks_flagged": round(float(flagged[~benign].mean()), 4),
        "benign_flagged": round(float(flagged[benign].mean()), 4),
    }


def cascade_record(
    first: npt.NDArray[np.float64],
    second: npt.NDArray[np.float64] | None,
    targets: npt.NDArray[np.float64],
    gate: float,
    benign_rate: float,
) -> dict[str, Any]:
    """What the cascade does on out-of-fold predictions: share sent to stage 2, attacks
    settled by stage 1, and the thresholds for `benign_rate`."""
    benign = targets.sum(axis=1) == 0
    sent = _gate_score(first) >= gate
    probs = first.copy()
    if second is not None:
        probs[sent] = (probs[sent] + second[sent]) / 2.0
    record = thresholds_at(policy_scores(probs), targets, benign_rate)
    record.update(
        items=len(targets),
        benign_sent_to_stage_2=round(float(sent[benign].mean()), 4),
        attacks_settled_by_stage_1=round(float((~sent[~benign]).mean()), 4),
    )
    return record
