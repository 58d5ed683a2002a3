"""Extra stage-1 heads, each fitted on the texts of one stage alone.

The cascade's heads learned mostly from user messages, and what comes back from a tool or
a model reads differently: an ordinary document full of instructions to people ("reply by
Friday", "delete the old config first") looks to them like an injection, and a model's
refusal that names the harm ("I can't explain how to make a bomb") like a harmful request
(a head for answers, round 32, did not ship).
An extra head is fitted on one stage's texts only: every training item whose `stage` is
that stage, plus the head's own folder of `train/` (`tool_results/`), which the
cascade's heads never read (so adding to it cannot move any other score). Same features,
same deterministic L-BFGS as stage 1, run where BLAS has one thread (`one_thread`);
stored as extra columns of the artifact (`charter.signals.model.HEAD_PREFIX`), scored on
every text at no extra feature cost, read by the policy only at its stage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from charter.signals.base import SignalError
from charter.signals.features import StaticEmbedder
from charter.signals.model import EXTRA_HEADS, HEAD_PREFIX, STAGE_ONE_ARRAYS, Artifact
from charter.signals.training.data import TrainItem, load_items
from charter.signals.training.linear import Featurized, TrainConfig, featurize
from charter.signals.training.one_thread import fit_one_thread

_INJECTION = frozenset({"prompt_injection", "jailbreak"})


@dataclass(frozen=True)
class HeadSpec:
    """One extra head: its score name, the stage whose texts it learns from, its folder."""

    name: str
    stage: str
    folder: str
    positive: Callable[[TrainItem], bool]


TOOL_HEAD = HeadSpec(
    "tool_injection", "tool_result", "tool_results", lambda i: bool(_INJECTION & set(i.targets))
)
"""Is this text, read as a tool's result, an injection aimed at the AI reading it?"""
HEADS = (TOOL_HEAD,)
"""Round 32's `answer_harm` head (answers alone) did not ship: `experiments/r32`."""


def head_items(data: Path, main: Sequence[TrainItem], head: HeadSpec) -> list[TrainItem]:
    """The head's items: `main`'s items of its stage and `data/<folder>/*.jsonl`, by id."""
    own = load_items(sorted((data / head.folder).glob("*.jsonl")))
    items = {i.id: i for i in main if i.stage == head.stage}
    for item in own:
        if item.id in items:
            raise SignalError(f"{head.folder}: id {item.id!r} is also a training item")
        items[item.id] = item
    return [items[k] for k in sorted(items)]


def fit_head(
    items: Sequence[TrainItem], head: HeadSpec, config: TrainConfig, embedder: StaticEmbedder
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The head's arrays (`char`, `word`, `dense`, `bias`, one column) and its record."""
    y = np.asarray([[float(head.positive(i))] for i in items])
    if not 0 < y.sum() < len(items):
        raise SignalError(f"the {head.name} head needs positive and negative {head.stage} items")
    data = featurize(items, config.spec, embedder)
    arrays = fit_one_thread(Featurized(data.rows, data.dense, y, data.weights), config)
    families: dict[str, dict[str, int]] = {}
    for item, target in zip(items, y[:, 0], strict=True):
        counts = families.setdefault(item.family, {"attack": 0, "benign": 0})
        counts["attack" if target else "benign"] += 1
    record = {
        "items": len(items),
        "attacks": int(y.sum()),
        "languages": dict(sorted(Counter(i.lang for i in items).items())),
        "families": dict(sorted(families.items())),
        "fit": config.to_dict(),
    }
    return arrays, record


def with_heads(
    artifact: Artifact, fitted: Sequence[tuple[str, dict[str, Any], dict[str, Any]]]
) -> Artifact:
    """`artifact` with exactly the `fitted` heads (name, arrays, record), their columns in
    that order; the cascade's arrays are untouched."""
    names = [name for name, _, _ in fitted]
    meta = {
        k: v for k, v in artifact.meta.items() if k not in {EXTRA_HEADS, *artifact.extra_labels}
    }
    kept = {k: v for k, v in artifact.arrays.items() if not k.startswith(HEAD_PREFIX)}
    if fitted:
        meta[EXTRA_HEADS] = names
        meta.update({name: record for name, _, record in fitted})
        for part in STAGE_ONE_ARRAYS:
            columns = [arrays[part] for _, arrays, _ in fitted]
            kept[HEAD_PREFIX + part] = np.concatenate(columns, axis=-1)
    return replace(artifact, arrays=kept, meta=meta)


def fit_heads(
    artifact: Artifact,
    data: Path,
    main: Sequence[TrainItem],
    max_iter: int = 300,
    log: Callable[[str], None] = lambda _: None,
    embedder: StaticEmbedder | None = None,
) -> Artifact:
    """`artifact` with every head of `HEADS` that `data` has items for, refitted. Pass the
    `embedder` stage 1 was trained with, when there is one, not to load WordLlama twice."""
    config = TrainConfig(spec=artifact.spec, max_iter=max_iter)  # the model's own features
    embedder = embedder or StaticEmbedder()
    fitted = []
    for head in HEADS:
        items = head_items(data, main, head)
        if items:
            log(f"{head.name} head: fitting on {len(items)} {head.stage} items")
            fitted.append((head.name, *fit_head(items, head, config, embedder)))
    return with_heads(artifact, fitted)
