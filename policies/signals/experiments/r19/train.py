"""Rounds 19 and 20: stage 1 retrained as `charter signals train` trains it, with or
without length-invariant n-gram blocks, beside an existing model's fine-tuned encoder
(stage 2 depends only on the data and retrains to the same bytes, so it is reused, not
fine-tuned again).

    python policies/signals/experiments/r19/train.py OUT_DIR [--as-shipped]
        [--data DIR] [--encoder-from MODEL_DIR] [--passages]

Defaults: `make train`'s data and the shipped model's encoder. `--as-shipped` trains with
the shipped features; on the data MODEL_DIR was trained on, the result must be MODEL_DIR's
revision, which checks that this script trains as `charter signals train` does.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import replace
from pathlib import Path

from charter.signals.classifier import default_model_dir
from charter.signals.features import FeatureSpec, StaticEmbedder, clip, sparse_features
from charter.signals.model import ENCODER, VOCAB, Artifact, load_artifact
from charter.signals.normalize import scoring_text
from charter.signals.passages import PassageRule
from charter.signals.training import (
    LABELS,
    TrainConfig,
    _stage_one_out_of_fold,
    load_items,
    training_record,
)
from charter.signals.training.calibrate import choose_gate, family_folds
from charter.signals.training.data import TrainItem
from charter.signals.training.linear import featurize, fit

ROOT = Path(__file__).resolve().parents[4]
TRAIN = ROOT / "policies" / "signals" / "train"


def median_counts(items: list[TrainItem], spec: FeatureSpec) -> tuple[int, int]:
    """The median number of character and of word n-grams per training item."""
    counts = [
        tuple(len(b) for b in sparse_features(clip(scoring_text(i.text), spec.max_chars), spec))
        for i in items
    ]
    return (
        round(statistics.median(c for c, _ in counts)),
        round(statistics.median(w for _, w in counts)),
    )


def main(out: Path, as_shipped: bool, data_dir: Path, encoder_from: Path, passages: bool) -> None:
    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    items = load_items(sorted(data_dir.glob("*.jsonl")))
    spec = FeatureSpec()
    if not as_shipped:
        spec = replace(spec, norm_counts=median_counts(items, spec))
        log(f"norm_counts: {spec.norm_counts}")
    config = TrainConfig(spec=spec)
    log(f"stage 1: featurizing {len(items)} items")
    data = featurize(items, spec, StaticEmbedder())
    arrays = fit(data, config)
    first = _stage_one_out_of_fold(data, family_folds(items, 4), 4, config, log)
    donor, _ = load_artifact(encoder_from)
    cascade = {**donor.meta["cascade"], "gate": choose_gate(first, data.targets, 0.01)}
    meta = {
        "trained_on": training_record(items),
        "stage_1": config.to_dict(),
        "cascade": cascade,
        "stage_2": donor.meta["stage_2"],
    }
    if passages:
        meta["passages"] = PassageRule().to_dict()
    files = {name: donor.files[name] for name in (ENCODER, VOCAB)}
    artifact = Artifact(labels=LABELS, spec=spec, arrays=arrays, meta=meta, files=files)
    print(f"{artifact.save(out)} gate {cascade['gate']}")


def _option(name: str, default: Path) -> Path:
    args = sys.argv[2:]
    return Path(args[args.index(name) + 1]) if name in args else default


if __name__ == "__main__":
    main(
        Path(sys.argv[1]),
        "--as-shipped" in sys.argv[2:],
        _option("--data", TRAIN),
        _option("--encoder-from", default_model_dir()),
        "--passages" in sys.argv[2:],
    )
