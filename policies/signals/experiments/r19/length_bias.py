"""Round 19's motivation: how the shipped stage 1's gate-head logits grow with the length
of one benign text, and how much of that the n-gram blocks carry.

    python policies/signals/experiments/r19/length_bias.py [TEXT_FILE] [MODEL_DIR]

TEXT_FILE defaults to /work/shared/DESIGN.md (the project's design notes: in no training
or report set).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from charter.signals.classifier import GATE_HEADS, SafetyClassifier, _readable
from charter.signals.features import sparse_features

LENGTHS = (150, 300, 600, 1200, 2400, 4000)


def main(text_file: Path, model: str | None) -> None:
    clf = SafetyClassifier(model, memo=0, context_stage=False)
    first = clf._first
    rows = [clf.labels.index(h) for h in GATE_HEADS]
    doc = text_file.read_text("utf-8")
    print("heads:", ", ".join(GATE_HEADS))
    for n in LENGTHS:
        prepared = first.prepare(_readable(doc[:n]))
        chars, words = sparse_features(prepared, first.spec)
        s_chars, s_words = first.spec.block_scales(len(chars), len(words))
        char_part = first.table[first.rows[chars]].sum(0) * s_chars
        word_part = first.table[first.rows[words + first.spec.buckets]].sum(0) * s_words
        z = first.logits(prepared)
        print(
            f"{n:5d} chars  logit {np.round(z[rows], 2)}  char block "
            f"{np.round(char_part[rows], 2)}  word block {np.round(word_part[rows], 2)}"
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        Path(args[0]) if args else Path("/work/shared/DESIGN.md"),
        args[1] if len(args) > 1 else None,
    )
