"""The `tool_injection` head: is this text, read as a tool's result, an injection?

The cascade's `prompt_injection` head learned mostly from user messages, and it reads
ordinary documents full of instructions to people ("reply by Friday", "delete the old
config first") as attacks about as often as it reads injected ones. This head is fitted
on tool results alone: every training item whose `stage` is `tool_result`, plus the sets
in `train/tool_results/`, which the cascade's heads never see (so adding to them cannot
move any other score). Same features, same deterministic L-BFGS as stage 1; stored as
extra columns of the artifact (`charter.signals.model.HEAD_PREFIX`), scored on every text
at no extra feature cost, read by the policy only at the `tool_result` stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from charter.signals.base import SignalError
from charter.signals.features import StaticEmbedder
from charter.signals.model import EXTRA_HEADS, HEAD_PREFIX, Artifact
from charter.signals.training.data import TrainItem, load_items
from charter.signals.training.linear import Featurized, TrainConfig, featurize, fit

TOOL_HEAD = "tool_injection"
TOOL_STAGE = "tool_result"
TOOL_FOLDER = "tool_results"
"""Subfolder of the training folder with the head's own sets (`*.jsonl`)."""
_POSITIVE = frozenset({"prompt_injection", "jailbreak"})


def tool_items(data: Path, main: Sequence[TrainItem]) -> list[TrainItem]:
    """The head's items: `main`'s tool results and `data/tool_results/*.jsonl`, by id."""
    own = load_items(sorted((data / TOOL_FOLDER).glob("*.jsonl")))
    items = {i.id: i for i in main if i.stage == TOOL_STAGE}
    for item in own:
        if item.id in items:
            raise SignalError(f"{TOOL_FOLDER}: id {item.id!r} is also a training item")
        items[item.id] = item
    return [items[k] for k in sorted(items)]


def fit_tool_head(
    items: Sequence[TrainItem], config: TrainConfig, embedder: StaticEmbedder
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The head's arrays (`head.*`, one column) and its training record."""
    y = np.asarray([[float(bool(_POSITIVE & set(i.targets)))] for i in items])
    if not 0 < y.sum() < len(items):
        raise SignalError(f"the {TOOL_HEAD} head needs both injected and ordinary tool results")
    data = featurize(items, config.spec, embedder)
    arrays = fit(Featurized(data.rows, data.dense, y, data.weights), config)
    families: dict[str, dict[str, int]] = {}
    for item, target in zip(items, y[:, 0], strict=True):
        counts = families.setdefault(item.family, {"attack": 0, "benign": 0})
        counts["attack" if target else "benign"] += 1
    record = {
        "items": len(items),
        "attacks": int(y.sum()),
        "languages": dict(sorted(_count(i.lang for i in items).items())),
        "families": dict(sorted(families.items())),
        "fit": config.to_dict(),
    }
    return {HEAD_PREFIX + name: array for name, array in arrays.items()}, record


def with_tool_head(artifact: Artifact, arrays: dict[str, Any], record: dict[str, Any]) -> Artifact:
    """`artifact` with the head added (or replaced); the cascade's arrays are untouched."""
    meta = {k: v for k, v in artifact.meta.items() if k not in (EXTRA_HEADS, TOOL_HEAD)}
    meta[EXTRA_HEADS] = [TOOL_HEAD]
    meta[TOOL_HEAD] = record
    kept = {k: v for k, v in artifact.arrays.items() if not k.startswith(HEAD_PREFIX)}
    return replace(artifact, arrays={**kept, **arrays}, meta=meta)


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return out
