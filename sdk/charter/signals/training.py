"""Training of the safety classifier from the sets in git: one command, same bytes.

    charter signals train            # policies/signals/train -> policies/signals/model

Deterministic by construction: items are sorted by id, features are hashed with fixed
functions, the optimiser is full-batch L-BFGS from zeros (no random initialisation, no
shuffling), dense products avoid multi-threaded BLAS, and the weights are stored as
float16 in a zip without timestamps. The same data gives the same artifact and revision.
Training needs scipy (the `console` extra, or `dev`); scoring needs numpy only.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.base import SignalError
from charter.signals.features import FeatureSpec, StaticEmbedder, clip, sparse_features
from charter.signals.model import HARM_PREFIX, Artifact
from charter.signals.normalize import scoring_text

HARM_CATEGORIES = (
    "violent_crimes",
    "nonviolent_crimes",
    "sex_crimes",
    "child_exploitation",
    "defamation",
    "specialized_advice",
    "privacy",
    "intellectual_property",
    "indiscriminate_weapons",
    "hate",
    "self_harm",
    "sexual_content",
    "elections",
    "code_interpreter_abuse",
)
"""MLCommons AILuminate / Llama Guard 3 hazard categories S1-S14, in that order."""
LABELS = ("jailbreak", "prompt_injection", *(HARM_PREFIX + c for c in HARM_CATEGORIES))


@dataclass(frozen=True)
class TrainItem:
    id: str
    text: str
    targets: tuple[str, ...]
    """Labels this item is positive for; empty for benign items."""
    family: str
    lang: str
    weight: float = 1.0


@dataclass(frozen=True)
class TrainConfig:
    spec: FeatureSpec = FeatureSpec()
    l2_sparse: float = 1e-4
    l2_dense: float = 1e-4
    max_iter: int = 300
    lookalike_weight: float = 2.0
    """Benign look-alikes ("kill a Python process") count double: false refusals hurt."""
    max_positive_weight: float = 8.0


def targets_of(raw: dict[str, Any]) -> tuple[str, ...] | None:
    """Labels an item is positive for; None for items the classifier does not learn
    (forbidden topics, personal data: the policy's other rules handle those)."""
    label = str(raw.get("label", "")).lower()
    category = str(raw.get("category", ""))
    if label in {"benign", "allowed"}:
        return ()
    found: list[str] = []
    if category in ("jailbreak", "prompt_injection"):
        found.append(category)
    elif category in HARM_CATEGORIES:
        found.append(HARM_PREFIX + category)
    else:
        return None
    harm = raw.get("harm")
    if isinstance(harm, str) and harm in HARM_CATEGORIES:
        found.append(HARM_PREFIX + harm)
    return tuple(dict.fromkeys(found))


def load_items(paths: Iterable[Path], config: TrainConfig = TrainConfig()) -> list[TrainItem]:
    """Training items from JSON-lines files (policies/signals/train/*.jsonl), sorted by id."""
    items: dict[str, TrainItem] = {}
    for path in sorted(paths):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                text = raw["text"]
                item_id = str(raw["id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise SignalError(f"{path}:{number}: not a training item ({exc})") from None
            targets = targets_of(raw)
            if targets is None or not isinstance(text, str) or not text.strip():
                continue
            if item_id in items:
                raise SignalError(f"{path}:{number}: id {item_id!r} is used twice")
            weight = config.lookalike_weight if raw.get("subcategory") == "lookalike" else 1.0
            items[item_id] = TrainItem(
                id=item_id,
                text=text,
                targets=targets,
                family=str(raw.get("family", "unknown")),
                lang=str(raw.get("lang", "en")),
                weight=weight,
            )
    return [items[k] for k in sorted(items)]


@dataclass
class Featurized:
    rows: Any  # scipy.sparse.csr_matrix, N x 2*buckets
    dense: npt.NDArray[np.float64]
    targets: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]


def featurize(items: Sequence[TrainItem], spec: FeatureSpec, embedder: StaticEmbedder) -> Featurized:
    from scipy import sparse

    buckets = spec.buckets
    indptr, indices, values = [0], [], []
    dense = np.zeros((len(items), embedder.dim), dtype=np.float64)
    targets = np.zeros((len(items), len(LABELS)), dtype=np.float64)
    for row, item in enumerate(items):
        prepared = clip(scoring_text(item.text), spec.max_chars)
        chars, words = sparse_features(prepared, spec)
        for block, offset in ((chars, 0), (words, buckets)):
            if len(block):
                indices.append(block + offset)
                values.append(np.full(len(block), 1.0 / np.sqrt(len(block))))
        indptr.append(indptr[-1] + len(chars) + len(words))
        dense[row] = embedder.embed(prepared)
        for label in item.targets:
            targets[row, LABELS.index(label)] = 1.0
    matrix = sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.asarray(indptr)),
        shape=(len(items), 2 * buckets),
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return Featurized(matrix, dense, targets, np.asarray([i.weight for i in items]))


def label_weights(targets: npt.NDArray[np.float64], base: npt.NDArray[np.float64], cap: float) -> npt.NDArray[np.float64]:
    """Per item and label: positives of rare labels weigh more (up to `cap`), so fourteen
    small harm categories are not drowned by the benign majority."""
    pos = targets.sum(axis=0)
    neg = len(targets) - pos
    boost = np.where(pos > 0, np.minimum(cap, np.maximum(1.0, 0.5 * neg / np.maximum(pos, 1))), 1.0)
    return base[:, None] * np.where(targets > 0, boost[None, :], 1.0)


def fit(data: Featurized, config: TrainConfig) -> dict[str, npt.NDArray[Any]]:
    """Full-batch L-BFGS on the weighted logistic loss of every label at once."""
    from scipy.optimize import minimize

    n, labels = data.targets.shape
    # Only buckets some training text uses get a weight; the rest stay exactly 0 (their
    # gradient is 0 and the start is 0), so they are left out of the optimisation.
    used = np.unique(data.rows.indices)
    x = data.rows[:, used].tocsr()
    xt, e = x.T.tocsr(), data.dense
    n_sparse, n_dense = x.shape[1], e.shape[1]
    y = data.targets
    w = label_weights(y, data.weights, config.max_positive_weight)
    scale = 1.0 / float(w.sum() / labels)

    def unpack(theta: npt.NDArray[np.float64]) -> tuple[Any, Any, Any]:
        ws = theta[: n_sparse * labels].reshape(n_sparse, labels)
        wd = theta[n_sparse * labels : (n_sparse + n_dense) * labels].reshape(n_dense, labels)
        return ws, wd, theta[(n_sparse + n_dense) * labels :]

    def loss(theta: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        ws, wd, b = unpack(theta)
        z = x @ ws + np.einsum("nd,dl->nl", e, wd, optimize=False) + b
        p = 1.0 / (1.0 + np.exp(-z))
        log_terms = np.logaddexp(0.0, z) - y * z
        value = scale * float((w * log_terms).sum())
        value += 0.5 * (config.l2_sparse * float((ws * ws).sum()) + config.l2_dense * float((wd * wd).sum()))
        g = scale * w * (p - y)
        grad_s = xt @ g + config.l2_sparse * ws
        grad_d = np.einsum("nd,nl->dl", e, g, optimize=False) + config.l2_dense * wd
        grad_b = g.sum(axis=0)
        return value, np.concatenate([np.asarray(grad_s).ravel(), grad_d.ravel(), grad_b])

    theta0 = np.zeros((n_sparse + n_dense + 1) * labels)
    result = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": config.max_iter})
    ws_used, wd, b = unpack(result.x)
    ws = np.zeros((data.rows.shape[1], labels))
    ws[used] = ws_used
    half = data.rows.shape[1] // 2
    return {
        "char": ws[:half].astype(np.float16),
        "word": ws[half:].astype(np.float16),
        "dense": wd.astype(np.float32),
        "bias": b.astype(np.float32),
    }


def training_record(items: Sequence[TrainItem]) -> dict[str, Any]:
    """What the artifact was trained on: families, counts per family, label and language."""
    families = Counter(i.family for i in items)
    labels = Counter(t for i in items for t in (i.targets or ("benign",)))
    langs = Counter(i.lang for i in items)
    return {
        "items": len(items),
        "families": sorted(families),
        "per_family": dict(sorted(families.items())),
        "per_label": dict(sorted(labels.items())),
        "per_lang": dict(sorted(langs.items())),
    }


def train(
    items: Sequence[TrainItem],
    config: TrainConfig = TrainConfig(),
    *,
    cascade_band: tuple[float, float] = (0.2, 0.8),
    embedder: StaticEmbedder | None = None,
) -> Artifact:
    if not items:
        raise SignalError("no training items: check the training folder")
    embedder = embedder or StaticEmbedder()
    data = featurize(items, config.spec, embedder)
    arrays = fit(data, config)
    meta = {
        "trained_on": training_record(items),
        "cascade_band": list(cascade_band),
        "optimizer": {
            "method": "L-BFGS-B",
            "max_iter": config.max_iter,
            "l2_sparse": config.l2_sparse,
            "l2_dense": config.l2_dense,
            "lookalike_weight": config.lookalike_weight,
            "max_positive_weight": config.max_positive_weight,
        },
    }
    return Artifact(labels=LABELS, spec=config.spec, arrays=arrays, meta=meta)
