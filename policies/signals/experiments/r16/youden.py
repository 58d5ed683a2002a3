"""Round 16: R15 at the shift that best separates CatQA from the fresh look-alikes.

    python policies/signals/experiments/r16/youden.py MODEL_DIR TRAIN_DIR OUT_DIR

Drops a benign calibration text that overlaps a report text, a DangerousQA or CatQA
question or a training text (round 12's check), scores both calibration sets with the
model, and writes the model with the smallest shift (0.001 grid, within +-6) that maximizes
Youden's J: the share of CatQA flagged minus the share of the look-alikes flagged.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "r12"))
sys.path.insert(0, str(HERE.parent / "r9"))

from build import guarded_texts  # noqa: E402
from build_everyday import GramIndex, trigrams  # noqa: E402

from charter.signals.classifier import SafetyClassifier  # noqa: E402
from charter.signals.model import load_artifact  # noqa: E402
from charter.signals.training.align import LIMIT, STEP, flagged  # noqa: E402

BENIGN = HERE / "calibration_lookalike_en.jsonl"
HARMFUL = HERE.parent / "r11" / "calibration_catqa_en.jsonl"


def texts_of(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line]


def clean_benign(train: Path) -> tuple[list[str], int]:
    training = [t for p in sorted(train.glob("*.jsonl")) for t in texts_of(p)]
    index = GramIndex([trigrams(t) for t in [*guarded_texts(), *training]])
    written = texts_of(BENIGN)
    kept = [t for t in written if not index.overlaps(trigrams(t))]
    return kept, len(written) - len(kept)


def youden_shift(harmful: np.ndarray, benign: np.ndarray, labels: tuple[str, ...]) -> tuple:
    best = (-2.0, 0.0, 0, 0)
    for step in range(-round(LIMIT / STEP), round(LIMIT / STEP) + 1):
        shift = round(step * STEP, 3)
        tp, fp = flagged(harmful, labels, shift), flagged(benign, labels, shift)
        j = tp / len(harmful) - fp / len(benign)
        if j > best[0] + 1e-12:
            best = (j, shift, tp, fp)
    return best


def main(model: Path, train: Path, out: Path) -> None:
    benign, dropped = clean_benign(train)
    harmful = texts_of(HARMFUL)
    clf = SafetyClassifier(model, memo=0)
    probs_h = np.stack([clf.probabilities(t) for t in harmful])
    probs_b = np.stack([clf.probabilities(t) for t in benign])
    j, shift, tp, fp = youden_shift(probs_h, probs_b, clf.labels)
    print(
        f"benign kept {len(benign)} (dropped {dropped}); at shift 0: CatQA "
        f"{flagged(probs_h, clf.labels)}/{len(harmful)}, look-alikes "
        f"{flagged(probs_b, clf.labels)}/{len(benign)}; best J {j:.4f} at {shift:+.3f}: "
        f"CatQA {tp}/{len(harmful)}, look-alikes {fp}/{len(benign)}"
    )
    artifact, _ = load_artifact(model.resolve())
    record = {
        "logit": round(clf.score_shift + shift, 3),
        "criterion": "youden: CatQA (round 11) against round 16's look-alikes",
        "calibration": {
            "harmful": len(harmful),
            "benign": len(benign),
            "sha256": hashlib.sha256("\n".join([*harmful, *benign]).encode()).hexdigest(),
        },
    }
    revision = replace(artifact, meta={**artifact.meta, "score_shift": record}).save(out)
    print(f"wrote {out} (revision {revision})")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:4]))
