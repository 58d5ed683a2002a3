"""Round 17: the shipped model at other cascade gates (cost and stage-2 share per gate).

    python policies/signals/experiments/r17/gate_curve.py OUT_DIR

Writes OUT_DIR/gate-<g> for every gate (the shipped artifact, `cascade.gate` changed) and
prints the share of the bench's benign prompts each sends to stage 2 and its mean cost.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from bench.bench_signals_classifier import _benign_texts, _latencies_ms  # noqa: E402

from charter.signals.classifier import SafetyClassifier, default_model_dir  # noqa: E402
from charter.signals.model import load_artifact  # noqa: E402

GATES = (0.0481, 0.1, 0.2, 0.3, 0.5)


def main(out: Path) -> None:
    artifact, _ = load_artifact(default_model_dir())
    texts = _benign_texts()
    for gate in GATES:
        cascade = {**artifact.meta["cascade"], "gate": gate}
        folder = out / f"gate-{gate}"
        revision = replace(artifact, meta={**artifact.meta, "cascade": cascade}).save(folder)
        clf = SafetyClassifier(folder, memo=0)
        sent = sum(clf.sent_to_second_stage(t) for t in texts)
        for t in texts[:50]:
            clf.score(t)  # warm, as the bench does
        ms, _ = _latencies_ms(clf.score, texts)
        print(
            f"gate {gate}: {revision}  stage 2 for {sent}/{len(texts)} "
            f"({100 * sent / len(texts):.1f}%), mean {statistics.fmean(ms):.2f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
