"""Round 18: the contextual stage's weight inside the cascade's band, chosen on calibration
texts only (round 11's CatQA set against round 16's look-alikes).

    python policies/signals/experiments/r18/stages.py OUT_DIR

Prints, per weight, the CatQA share caught at the thresholds flagging 1/3/5/10% of the
look-alikes (flag score: the highest gate head after combining), picks the weight the rule
names (`r18/README.md`) and writes the shipped artifact with it to OUT_DIR/R18w.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from charter.signals.classifier import (
    SafetyClassifier,
    _readable,
    combine_stages,
    default_model_dir,
    sigmoid,
)
from charter.signals.model import load_artifact
from charter.signals.normalize import context_text

HERE = Path(__file__).resolve().parent
CATQA = HERE.parent / "r11" / "calibration_catqa_en.jsonl"
LOOKALIKES = HERE.parent / "r16" / "calibration_lookalike_en.jsonl"
LOOKED_AT = (0.0, 0.25, 0.5, 0.75, 1.0)
"""The weights seen before the rule was written (its table)."""
GRID = (0.5, 0.625, 0.75, 0.875, 1.0)
RATES = (0.01, 0.03, 0.05, 0.10)
CHOSEN_AT = 0.03
Matrix = npt.NDArray[np.float32]


def _texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line]


def _stage_probabilities(clf: SafetyClassifier, texts: list[str]) -> tuple[Matrix, Matrix]:
    """Both stages' probabilities for every text (the second one even below the gate)."""
    second = clf.second_stage
    assert second is not None, "round 18 needs the contextual stage"
    first, other = [], []
    for text in texts:
        raw = _readable(text)
        first.append(clf._stage_one_probabilities(raw))
        other.append(sigmoid(second.logits(context_text(raw))))
    return np.asarray(first), np.asarray(other)


def _flag_scores(clf: SafetyClassifier, first: Matrix, second: Matrix, w: float) -> Matrix:
    rows = clf._gate_rows
    sent = np.asarray([clf.uncertain(row) for row in first])  # the cascade's own band test
    mixed = first.copy()
    mixed[sent] = combine_stages(first[sent], second[sent], w)
    return mixed[:, rows].max(axis=1)


def main(out: Path) -> None:
    clf = SafetyClassifier(memo=0)
    harmful = _stage_probabilities(clf, _texts(CATQA))
    benign = _stage_probabilities(clf, _texts(LOOKALIKES))
    caught: dict[float, float] = {}
    for w in sorted({*LOOKED_AT, *GRID}):
        h, b = _flag_scores(clf, *harmful, w), _flag_scores(clf, *benign, w)
        at = {rate: float((h > np.quantile(b, 1 - rate)).mean()) for rate in RATES}
        caught[w] = at[CHOSEN_AT]
        print(f"w={w:.3f}  " + "  ".join(f"{int(r * 100)}%: {v:.3f}" for r, v in at.items()))
    best = GRID[0]
    for w in GRID[1:]:
        if caught[w] > caught[best] + 0.005:
            best = w
    print(f"chosen: w={best}")
    if best == GRID[0]:
        return
    artifact, _ = load_artifact(default_model_dir())
    cascade = {**artifact.meta["cascade"], "second_weight": best}
    revision = replace(artifact, meta={**artifact.meta, "cascade": cascade}).save(out / "R18w")
    print(f"R18w: {revision} -> {out / 'R18w'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
