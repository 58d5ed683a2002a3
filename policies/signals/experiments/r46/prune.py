"""Cut stage 1 of a classifier to a given number of n-gram rows per block (round 46).

    python policies/signals/experiments/r46/prune.py MODEL_DIR OUT_DIR --like REFERENCE_DIR

Stage 1 keeps one float32 row (a weight per cascade head) for every hashed n-gram bucket
that training gave a non-zero weight (`charter.signals.first_stage`), so its resident
memory grows with the buckets the training text touched. This keeps, in each block
(`char`, `word`), as many rows as REFERENCE_DIR's model uses: the rows with the largest
absolute weight over the cascade heads (ties: lower bucket first); the others become zero,
as if training had never touched them. The extra heads (`head.*`), the dense block, the
biases, the contextual stage and the manifest's meta are kept as they are.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from charter.signals.model import load_artifact

BLOCKS = ("char", "word")


def used_rows(block: np.ndarray) -> int:
    return int(np.any(block != 0, axis=1).sum())


def keep_largest(block: np.ndarray, keep: int) -> np.ndarray:
    """`block` with all but its `keep` rows of largest max |weight| set to zero."""
    if used_rows(block) <= keep:
        return block
    size = np.abs(block.astype(np.float32)).max(axis=1)
    order = np.lexsort((np.arange(len(size)), -size))  # largest first, lower bucket on ties
    out = np.zeros_like(block)
    kept = order[:keep]
    out[kept] = block[kept]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--like", type=Path, required=True, help="model whose row counts to match")
    args = parser.parse_args(argv)
    artifact, revision = load_artifact(args.model)
    reference, _ = load_artifact(args.like)
    arrays = dict(artifact.arrays)
    for name in BLOCKS:
        keep = used_rows(reference.arrays[name])
        before = used_rows(arrays[name])
        arrays[name] = keep_largest(arrays[name], keep)
        print(f"{name}: {before} rows -> {used_rows(arrays[name])} (reference {keep})")
    pruned = replace(artifact, arrays=arrays)
    out_revision = pruned.save(args.out)
    print(f"{revision} -> {out_revision} in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
