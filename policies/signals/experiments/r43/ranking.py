"""How well each model *ranks* the held-out split, whatever the thresholds: round 9's
measure (`../r9/matched_rate.py`: the classifier alone, no policy rule, a text's score the
highest raw probability of the jailbreak, prompt_injection and harm heads, and its `auc`)
on the held-out input prompts of `policies/evals`, and the share of attacks above the score
that flags 3%, 5% and 10% of the benign ones.

    charter eval run policies/evals --json > EVALS.json     # any model: only splits are read
    python policies/signals/experiments/r43/ranking.py EVALS.json MODEL_DIR [MODEL_DIR ...]

Held-out = items whose family (`family_key`) the report's `trained_families` do not name.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from charter.evals.corpus import load_corpus
from charter.evals.splits import family_key
from charter.signals import SafetyClassifier

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "policies" / "signals" / "experiments" / "r9"))

from matched_rate import HEADS, auc  # type: ignore[import-not-found]  # noqa: E402 - round 9's


def held_out(report_path: str) -> list[tuple[str, bool]]:
    report = json.loads(Path(report_path).read_text("utf-8"))
    trained = {family_key(f) for f in report["trained_families"]}
    texts = {i.id: i.text for i in load_corpus([ROOT / "policies" / "evals"])}
    return [
        (texts[r["id"]], r["label"] != "allowed")
        for r in report["results"]
        if r["id"] in texts and r["stage"] == "input" and r["family"]
        if family_key(r["family"]) not in trained
    ]


def main(report_path: str, models: list[str]) -> None:
    rows = held_out(report_path)
    print(f"{len(rows)} held-out input prompts, {sum(y for _, y in rows)} attacks")
    rank(rows, models)


def rank(rows: list[tuple[str, bool]], models: list[str]) -> None:
    """One line per model: its AUC on `rows` (text, is attack) and the share of attacks
    above the score that flags 3%, 5% and 10% of the benign ones."""
    attack = np.array([y for _, y in rows])
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
    main(sys.argv[1], sys.argv[2:])
