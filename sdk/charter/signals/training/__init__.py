"""Training of the safety classifier from the sets in git: one command, same bytes.

    charter signals train            # policies/signals/train -> policies/signals/model

Stage 1 (`linear`): full-batch L-BFGS from zeros over hashed n-grams and WordLlama,
numpy/scipy only. Stage 2 (`finetune`, `export`): all-MiniLM-L6-v2's first layers
fine-tuned with PyTorch (the `train` extra), exported as int8 ONNX. Out-of-fold
calibration (`calibrate`) holds out whole source families and picks the cascade's gate and
suggested policy thresholds on training data only.

Deterministic by construction: items sorted by id, fixed hash functions, no shuffling in
stage 1 and its fits in a child whose BLAS has one thread (`one_thread`), seeded
single-threaded deterministic PyTorch in stage 2, artifact files written without
timestamps: the same data on the same machine gives the same bytes and revision, whatever
the caller's thread variables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from charter.signals.base import SignalError
from charter.signals.features import StaticEmbedder
from charter.signals.model import ANY_HARM, ENCODER, VOCAB, Artifact
from charter.signals.passages import PassageRule
from charter.signals.training.calibrate import (
    cascade_record,
    choose_gate,
    family_folds,
    policy_scores,
)
from charter.signals.training.child import spawn_child, stop_child
from charter.signals.training.data import (
    HARM_CATEGORIES,
    LABELS,
    TrainItem,
    load_items,
    sources_table,
    training_record,
)
from charter.signals.training.linear import (
    Featurized,
    TrainConfig,
    featurize,
    fit,
    stage_one_probabilities,
)
from charter.signals.training.one_thread import one_thread_fits

__all__ = [
    "ANY_HARM",
    "HARM_CATEGORIES",
    "LABELS",
    "Featurized",
    "TrainConfig",
    "TrainItem",
    "featurize",
    "fit",
    "load_items",
    "policy_scores",
    "sources_table",
    "train_artifact",
    "training_record",
]

Log = Callable[[str], None]
Fit = Callable[[Featurized, TrainConfig], dict[str, Any]]


def _quiet(_: str) -> None:
    return None


def train_artifact(
    items: Sequence[TrainItem],
    config: TrainConfig = TrainConfig(),
    *,
    finetune: Any = None,
    folds: int = 4,
    stage_two_folds: int = 0,
    max_missed: float = 0.01,
    benign_rate: float = 0.015,
    embedder: StaticEmbedder | None = None,
    passages: PassageRule | None = None,
    checkpoint: Path | None = None,
    log: Log = _quiet,
) -> Artifact:
    """Stage 1 on `items`; with `finetune` (a `FinetuneConfig`) also stage 2.

    Calibration: stage 1 out of fold over `folds` family folds (cheap) sets the gate so
    that at most `max_missed` of the attacks are settled by stage 1; with
    `stage_two_folds` > 0, that many folds are also fine-tuned out of fold (costly) and the
    cascade's suggested thresholds (at most `benign_rate` of benign items flagged) are
    recorded. `passages`, when given, is recorded in the manifest: the model then also
    scores long texts by passages (train it on passage-sized items too). `checkpoint`, a
    folder, makes the fine-tunes resumable (`finetune.finetune`); it changes no byte."""
    if not items:
        raise SignalError("no training items: check the training folder")
    # Stage 2 is fine-tuned in a child process while stage 1 fits here: neither depends on
    # the other, both are deterministic, and the wall time is the longer of the two.
    pool = spawn_child() if finetune is not None else None
    try:
        artifact = _train(
            items, config, pool, finetune, folds, stage_two_folds, max_missed, benign_rate,
            embedder or StaticEmbedder(), checkpoint, log,
        )  # fmt: skip
    except BaseException:
        if pool is not None:
            stop_child(pool)
        raise
    if passages is not None:
        artifact.meta["passages"] = passages.to_dict()
    return artifact


def _train(
    items: Sequence[TrainItem],
    config: TrainConfig,
    pool: ProcessPoolExecutor | None,
    finetune: Any,
    folds: int,
    stage_two_folds: int,
    max_missed: float,
    benign_rate: float,
    embedder: StaticEmbedder,
    checkpoint: Path | None,
    log: Log,
) -> Artifact:
    encoder = pool.submit(_finetuned_encoder, list(items), finetune, checkpoint) if pool else None
    log(f"stage 1: featurizing {len(items)} items")
    data = featurize(items, config.spec, embedder)
    fold = family_folds(items, folds) if folds > 1 else None
    with one_thread_fits() as fit_there:  # the same bytes whatever the caller's BLAS threads
        arrays = fit_there(data, config)
        first = None
        if fold is not None:
            first = _stage_one_out_of_fold(data, fold, folds, config, fit_there, log)
    meta: dict[str, Any] = {
        "trained_on": training_record(items),
        "stage_1": config.to_dict(),
        "cascade": {"gate": 0.0},
    }
    files: dict[str, bytes] = {}
    if finetune is not None:
        from charter.signals.training.finetune import pretrained_files

        gate = choose_gate(first, data.targets, max_missed) if first is not None else 0.0
        meta["cascade"] = {
            "gate": gate,
            "gate_max_missed": max_missed,
            "window": finetune.window,
            "layers": finetune.layers,
        }
        meta["stage_2"] = {"base": "all-MiniLM-L6-v2", **finetune.to_dict()}
        log("stage 2: waiting for the fine-tuned encoder (child process)")
        assert encoder is not None and pool is not None
        files[ENCODER] = encoder.result()
        pool.shutdown()
        files[VOCAB] = pretrained_files()[1].encode("utf-8")
        if first is not None and fold is not None and stage_two_folds > 0:
            meta["calibration"] = _calibrate(
                items, data, first, fold, stage_two_folds, finetune, gate, benign_rate,
                checkpoint, log,
            )  # fmt: skip
    return Artifact(labels=LABELS, spec=config.spec, arrays=arrays, meta=meta, files=files)


def _finetuned_encoder(items: list[TrainItem], finetune: Any, checkpoint: Path | None) -> bytes:
    """Fine-tune on every item and export as int8 ONNX (runs in the child process)."""
    import sys

    from charter.signals.training.export import export_encoder
    from charter.signals.training.finetune import finetune as run_finetune

    def log(line: str) -> None:
        print(f"stage 2: {line}", file=sys.stderr, flush=True)

    log("fine-tuning on every item")
    return export_encoder(run_finetune(items, finetune, log=log, checkpoint=checkpoint))


def _stage_one_out_of_fold(
    data: Featurized, fold: Any, folds: int, config: TrainConfig, fit_there: Fit, log: Log
) -> Any:
    probs = np.zeros_like(data.targets)
    for k in range(folds):
        log(f"stage 1: out-of-fold {k + 1}/{folds}")
        held = fold == k
        probs[held] = stage_one_probabilities(
            data.subset(held), fit_there(data.subset(~held), config)
        )
    return probs


def _calibrate(
    items: Sequence[TrainItem],
    data: Featurized,
    first: Any,
    fold: Any,
    runs: int,
    finetune: Any,
    gate: float,
    benign_rate: float,
    checkpoint: Path | None,
    log: Log,
) -> dict[str, Any]:
    from charter.signals.training.finetune import finetune as run_finetune
    from charter.signals.training.finetune import predict

    held = np.isin(fold, np.arange(runs))
    second = np.zeros_like(data.targets)
    for k in range(runs):
        log(f"stage 2: out-of-fold {k + 1}/{runs}")
        train = [i for i, f in zip(items, fold, strict=True) if f != k]
        test = [i.text for i, f in zip(items, fold, strict=True) if f == k]
        model = run_finetune(train, finetune, log=log, checkpoint=checkpoint)
        second[fold == k] = predict(model, test, finetune.window)
    record = cascade_record(first[held], second[held], data.targets[held], gate, benign_rate)
    record.update(
        folds=int(fold.max()) + 1,
        stage_two_folds_run=runs,
        target_benign_rate=benign_rate,
        families_held_out=sorted({i.family for i, h in zip(items, held, strict=True) if h}),
    )
    record["stage_1_only"] = cascade_record(first, None, data.targets, gate, benign_rate)
    return record
