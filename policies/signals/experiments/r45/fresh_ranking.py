"""How well each model *ranks* the fresh sets of round 44, whatever the thresholds: round
43's measure (`../r43/ranking.py`: the classifier alone, a text's score the highest raw
probability of the jailbreak, prompt_injection and harm heads) with HarmfulQA and the
GPTFuzz questions as attacks and PHTest's harmless prompts and OKTest as benign.

    python policies/signals/experiments/r45/fresh_ranking.py MODEL_DIR [MODEL_DIR ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from charter.signals import SafetyClassifier

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "policies" / "signals" / "experiments" / "r9"))

from bench.external_eval import load  # noqa: E402
from bench.fresh_eval import DATASETS  # noqa: E402
from matched_rate import HEADS, auc  # type: ignore[import-not-found]  # noqa: E402 - round 9's


def main(models: list[str]) -> None:
    rows = [(p.text, p.attack) for d in DATASETS for p in load(d)[1]]
    attack = np.array([y for _, y in rows])
    print(f"{len(rows)} fresh prompts, {int(attack.sum())} attacks")
    for model in models:
        classifier = SafetyClassifier(model, memo=0)
        heads = [i for i, label in enumerate(classifier.labels) if label in HEADS]
        scores = np.array([float(classifier.probabilities(t)[heads].max()) for t, _ in rows])
        line = [f"{model}: AUC {auc(list(scores[attack]), list(scores[~attack])):.4f}"]
        for rate in (0.03, 0.05, 0.10):
            cut = float(np.quantile(scores[~attack], 1 - rate))
            line.append(f"attacks above {rate:.0%} of benign {np.mean(scores[attack] > cut):.3f}")
        print("; ".join(line))


if __name__ == "__main__":
    main(sys.argv[1:])
