"""Row 6 of round 38's rule for several models, measured in one process: how many of
`policies/evals`' benign input prompts each model's cascade sends to the contextual stage,
and stage 1's resident memory (as `make bench` measures it, in a child process).

    python policies/signals/experiments/r41/cost_rows.py MODEL_DIR [MODEL_DIR ...]

Give the shipped model as `policies/signals/model`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from bench.bench_signals_classifier import _benign_texts, _memory_mb  # noqa: E402

from charter.signals import SafetyClassifier  # noqa: E402


def main(models: list[str]) -> None:
    texts = _benign_texts()
    for model in models:
        cascade = SafetyClassifier(model, memo=0)
        sent = sum(cascade.sent_to_second_stage(t) for t in texts)
        os.environ["CHARTER_SIGNALS_MODEL"] = model
        memory = _memory_mb(False)
        print(f"{model}: {sent} of {len(texts)} benign prompts to stage 2; stage 1 {memory:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
