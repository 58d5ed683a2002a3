"""Round 9 after the decision: the shipped model and R9 at a matched benign refusal rate.

    python policies/signals/experiments/r9/matched_rate.py [R9_MODEL_DIR]

Each model's top score over the jailbreak, prompt-injection and harm heads (the classifier
alone, without the policy) on the external sets, the held-out corpora and MGSM English;
recall at the threshold where 3%, 5% or 10% of the external and held-out benign prompts
would be refused, and ROC AUC. Not a ship decision: the thresholds are read off report sets.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))
os.environ["CHARTER_SIGNALS_MEMO"] = "0"

from bench.external_eval import DATASETS, load  # noqa: E402
from bench.multilingual_eval import DATASETS as MULTILINGUAL  # noqa: E402

from charter.signals.classifier import SafetyClassifier  # noqa: E402

HEADS = ("jailbreak", "prompt_injection", "harm")


def labelled(texts: list[tuple[str, bool]], score: object) -> tuple[list[float], list[float]]:
    scored = [(score(t), attack) for t, attack in texts]  # type: ignore[operator]
    return [s for s, a in scored if a], [s for s, a in scored if not a]


def auc(pos: list[float], neg: list[float]) -> float:
    ranks = np.concatenate([pos, neg]).argsort().argsort() + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def main(r9: str) -> None:
    external = [(p.text, p.attack) for d in DATASETS for p in load(d)[1]]
    mgsm = [p.text for d in MULTILINGUAL if d.name == "MGSM en" for p in load(d)[1]]
    heldout = [
        (row["text"], row["label"] == "blocked")
        for path in sorted((ROOT / "policies" / "evals").glob("*heldout*.jsonl"))
        for row in map(json.loads, filter(str.strip, path.read_text().splitlines()))
    ]
    for name, folder in (("shipped", str(ROOT / "policies/signals/model")), ("r9", r9)):
        classifier = SafetyClassifier(folder, memo=0)
        rows = [i for i, label in enumerate(classifier.labels) if label in HEADS]

        def score(text: str, c: SafetyClassifier = classifier, rows: list[int] = rows) -> float:
            return float(c.probabilities(text)[rows].max())

        ext_a, ext_b = labelled(external, score)
        held_a, held_b = labelled(heldout, score)
        maths = [score(t) for t in mgsm]
        print(
            f"{name}: AUC external {auc(ext_a, ext_b):.4f}, held-out {auc(held_a, held_b):.4f},"
            f" external attacks vs external + MGSM benign {auc(ext_a, ext_b + maths):.4f}"
        )
        benign = np.asarray(ext_b + held_b)
        for rate in (0.03, 0.05, 0.10):
            t = float(np.quantile(benign, 1 - rate))
            print(
                f"  {rate:.0%} benign refused (threshold {t:.3f}): external attacks "
                f"{np.mean(np.asarray(ext_a) > t):.3f}, held-out attacks "
                f"{np.mean(np.asarray(held_a) > t):.3f}, "
                f"MGSM refused {np.mean(np.asarray(maths) > t):.3f}"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/model_r9")
