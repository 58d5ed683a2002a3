"""A "model soup": the weights of several trained classifiers averaged into one artifact.

Models fine-tuned from the same pretrained encoder with the same recipe (here: the same
MiniLM layers, seed and settings, different training mixes) land in one basin of the loss,
so the average of their weights is itself a good model, and on text unlike its training
data often a better one than any ingredient (Wortsman et al. 2022, "Model soups"). It costs
nothing at run time: one artifact of the same size and speed.

- Stage 1 is linear, so averaging its arrays averages its logits exactly.
- Stage 2 ships as int8 ONNX: each weight matrix is dequantized (int8 x scale), averaged and
  quantized again, symmetric per tensor as the exporter does; float tensors are averaged.
- The cascade's gate is the lowest of the ingredients' (more texts reach stage 2, none fewer).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from charter.signals.base import SignalError
from charter.signals.model import ENCODER, EXTRA_HEADS, Artifact, load_artifact

_QUANTIZED, _SCALE, _ZERO = "_quantized", "_scale", "_zero_point"


def soup(folders: Sequence[Path]) -> Artifact:
    """The uniform soup of the artifacts in `folders` (all of one shape and recipe)."""
    if len(folders) < 2:
        raise SignalError(
            "a soup needs at least two trained classifiers; give two or more model folders"
        )
    artifacts = [load_artifact(Path(f))[0] for f in folders]
    first = artifacts[0]
    for other, folder in zip(artifacts[1:], folders[1:], strict=True):
        if other.labels != first.labels or other.spec != first.spec:
            raise SignalError(f"{folder}: other labels or features than {folders[0]}")
        if set(other.arrays) != set(first.arrays) or set(other.files) != set(first.files):
            raise SignalError(f"{folder}: other arrays or files than {folders[0]}")
    for artifact, folder in zip(artifacts, folders, strict=True):
        if "score_shift" in artifact.meta:
            raise SignalError(
                f"{folder} is aligned (`charter signals align`); soup the models before "
                "aligning, then align the soup"
            )
    arrays = {
        name: np.mean([a.arrays[name].astype(np.float64) for a in artifacts], axis=0).astype(
            first.arrays[name].dtype
        )
        for name in sorted(first.arrays)
    }
    files = dict(first.files)
    if ENCODER in first.files:
        files[ENCODER] = _average_encoders([a.files[ENCODER] for a in artifacts])
    cascade = dict(first.meta.get("cascade", {}))
    gates = [float(a.meta.get("cascade", {}).get("gate", 0.0)) for a in artifacts]
    cascade["gate"] = min(gates)
    meta = {
        "soup": {"of": [a.revision() for a in artifacts], "gates": gates},
        "cascade": cascade,
        "stage_1": first.meta.get("stage_1", {}),
        "stage_2": first.meta.get("stage_2", {}),
        "trained_on": _union([a.meta.get("trained_on", {}) for a in artifacts]),
    }
    heads = first.extra_labels  # extra heads: averaged like the rest, named as they were
    if any(a.extra_labels != heads for a in artifacts):
        raise SignalError("the ingredients have different extra heads (meta.extra_heads)")
    if heads:
        meta[EXTRA_HEADS] = list(heads)
        meta.update({name: first.meta.get(name, {}) for name in heads})
    rule = first.meta.get("passages")
    if any(a.meta.get("passages") != rule for a in artifacts):
        raise SignalError("the ingredients read long texts differently (passage rules differ)")
    if rule is not None:
        meta["passages"] = rule
    return Artifact(labels=first.labels, spec=first.spec, arrays=arrays, meta=meta, files=files)


def _union(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What the soup learned from: every family any ingredient was trained on (a family's
    file is the same in every mix, so its count is the largest any ingredient saw)."""
    per_family: dict[str, int] = {}
    for record in records:
        for family, count in dict(record.get("per_family", {})).items():
            per_family[family] = max(per_family.get(family, 0), int(count))
    return {
        "items": sum(per_family.values()),
        "families": sorted(per_family),
        "per_family": dict(sorted(per_family.items())),
        "ingredients": [int(r.get("items", 0)) for r in records],
    }


def _average_encoders(graphs: Sequence[bytes]) -> bytes:
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise SignalError(
            "souping the contextual stage needs onnx: pip install -e '.[train]'"
        ) from None

    models = [onnx.load_from_string(g) for g in graphs]
    tensors = [{t.name: numpy_helper.to_array(t) for t in m.graph.initializer} for m in models]
    names = list(tensors[0])
    if any(list(t) != names for t in tensors[1:]):
        raise SignalError("the encoders differ in structure; only one recipe can be souped")
    averaged: dict[str, np.ndarray[Any, Any]] = {}
    for name in names:
        if name.endswith(_SCALE) or name.endswith(_ZERO):
            continue  # written with their matrix
        if name.endswith(_QUANTIZED):
            base = name.removesuffix(_QUANTIZED)
            dense = [
                (t[name].astype(np.float64) - t[base + _ZERO].astype(np.float64))
                * t[base + _SCALE].astype(np.float64)
                for t in tensors
            ]
            mean = np.mean(dense, axis=0)
            scale = float(np.abs(mean).max()) / 127.0 or 1.0
            averaged[name] = np.clip(np.rint(mean / scale), -127, 127).astype(np.int8)
            averaged[base + _SCALE] = np.asarray(scale, dtype=tensors[0][base + _SCALE].dtype)
            averaged[base + _ZERO] = np.zeros((), dtype=tensors[0][base + _ZERO].dtype)
        elif np.issubdtype(tensors[0][name].dtype, np.floating):
            averaged[name] = np.mean([t[name] for t in tensors], axis=0).astype(
                tensors[0][name].dtype
            )
        elif any(not np.array_equal(t[name], tensors[0][name]) for t in tensors[1:]):
            raise SignalError(f"the encoders differ in the constant {name!r}")
        else:
            averaged[name] = tensors[0][name]
    model = models[0]
    for tensor in model.graph.initializer:
        tensor.CopyFrom(numpy_helper.from_array(averaged[tensor.name], tensor.name))
    out = io.BytesIO()
    onnx.save_model(model, out)
    return out.getvalue()
