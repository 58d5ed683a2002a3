"""How well each model *ranks* the held-out split, whatever the thresholds: the classifier
alone (no policy rule), a text's score the highest of jailbreak, prompt_injection and harm;
AUC of held-out attacks against held-out benign input prompts, and the share of attacks
above the score that flags 3%, 5% and 10% of the benign ones.

    charter eval run policies/evals --json > EVALS.json     # any model: only splits are read
    python policies/signals/experiments/r43/ranking.py EVALS.json MODEL_DIR [MODEL_DIR ...]

Held-out = items whose family no model was trained on (the report's `trained_families`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from charter.signals import SafetyClassifier

ROOT = Path(__file__).resolve().parents[4]
HEADS = ("jailbreak", "prompt_injection", "harm")


def held_out(report_path: str) -> list[tuple[str, bool]]:
    report = json.loads(Path(report_path).read_text("utf-8"))
    trained = set(report["trained_families"])
    texts = {}
    for path in sorted((ROOT / "policies" / "evals").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                texts[item["id"]] = item["text"]
    return [
        (texts[r["id"]], r["label"] != "allowed")
        for r in report["results"]
        if r["id"] in texts and r["stage"] == "input" and r["family"]
        if r["family"] not in trained
    ]


def auc(scores: np.ndarray, attack: np.ndarray) -> float:
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="stable")] = np.arange(1, len(scores) + 1)
    n1, n0 = int(attack.sum()), int((~attack).sum())
    return float((ranks[attack].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def main(report_path: str, models: list[str]) -> None:
    rows = held_out(report_path)
    attack = np.array([y for _, y in rows])
    print(f"{len(rows)} held-out input prompts, {int(attack.sum())} attacks")
    for model in models:
        classifier = SafetyClassifier(model, memo=0)
        scores = np.array([max(classifier.score(t)[h] for h in HEADS) for t, _ in rows])
        benign = np.sort(scores[~attack])[::-1]
        line = [f"{model}: AUC {auc(scores, attack):.4f}"]
        for rate in (0.03, 0.05, 0.10):
            cut = benign[int(rate * len(benign))]
            line.append(f"attacks above {rate:.0%} of benign {np.mean(scores[attack] > cut):.3f}")
        print("; ".join(line))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
