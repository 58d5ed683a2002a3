"""Which stage ranks the fresh sets as it does: round 45's measure (`fresh_ranking.py`) on
each stage of the cascade alone, for one model. Stage 1 alone is its probabilities on the
whole text; stage 2 alone is the contextual encoder on every text (as if the gate sent all
of them); the cascade is what the guard reads. Reported only.

    python policies/signals/experiments/r45/stage_ranking.py MODEL_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from charter.signals import SafetyClassifier
from charter.signals.classifier import sigmoid
from charter.signals.decode import payloads
from charter.signals.normalize import context_text

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "policies" / "signals" / "experiments" / "r9"))

from fresh_ranking import fresh_rows  # type: ignore[import-not-found]  # noqa: E402
from matched_rate import HEADS, auc  # type: ignore[import-not-found]  # noqa: E402 - round 9's


def main(model: str) -> None:
    rows = fresh_rows()
    attack = np.array([y for _, y in rows])
    classifier = SafetyClassifier(model, memo=0)
    second = classifier.second_stage
    assert second is not None, "the model has no contextual stage"
    heads = [i for i, label in enumerate(classifier.labels) if label in HEADS]
    stages = {
        "stage 1 alone": lambda t: classifier._stage_one_probabilities(t),
        "stage 2 alone": lambda t: sigmoid(second.logits(context_text(t, payloads(t)))),
        "cascade": classifier.probabilities,
    }
    for name, score in stages.items():
        scores = np.array([float(np.asarray(score(t))[heads].max()) for t, _ in rows])
        print(f"{name}: AUC {auc(list(scores[attack]), list(scores[~attack])):.4f}")


if __name__ == "__main__":
    main(sys.argv[1])
