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
from dataclasses import dataclass, field
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
ANY_HARM = "harm"
"""The aggregate head: harmful in any category. It learns from every harmful item at once,
so it generalizes further than fourteen small category heads; the category heads then
only have to say *which* harm (see SafetyClassifier.scores)."""
LABELS = (
    "jailbreak",
    "prompt_injection",
    *(HARM_PREFIX + c for c in HARM_CATEGORIES),
    ANY_HARM,
)


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
    spec: FeatureSpec = field(default_factory=FeatureSpec)
    l2_sparse: float = 1e-4
    l2_dense: float = 1e-2
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


def featurize(
    items: Sequence[TrainItem], spec: FeatureSpec, embedder: StaticEmbedder
) -> Featurized:
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
        dense[row] = embedder.embed(prepared) * spec.dense_scale
        for label in item.targets:
            targets[row, LABELS.index(label)] = 1.0
            if label.startswith(HARM_PREFIX):
                targets[row, LABELS.index(ANY_HARM)] = 1.0
    matrix = sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.asarray(indptr)),
        shape=(len(items), 2 * buckets),
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return Featurized(matrix, dense, targets, np.asarray([i.weight for i in items]))


def label_weights(
    targets: npt.NDArray[np.float64], base: npt.NDArray[np.float64], cap: float
) -> npt.NDArray[np.float64]:
    """Per item and label: positives of rare labels weigh more (up to `cap`), so fourteen
    small harm categories are not drowned by the benign majority."""
    pos = targets.sum(axis=0)
    neg = len(targets) - pos
    boost = np.where(pos > 0, np.minimum(cap, np.maximum(1.0, 0.5 * neg / np.maximum(pos, 1))), 1.0)
    return base[:, None] * np.where(targets > 0, boost[None, :], 1.0)


def fit(data: Featurized, config: TrainConfig) -> dict[str, npt.NDArray[Any]]:
    """Full-batch L-BFGS on the weighted logistic loss of every label at once."""
    from scipy.optimize import minimize

    labels = data.targets.shape[1]
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
        value += 0.5 * (
            config.l2_sparse * float((ws * ws).sum()) + config.l2_dense * float((wd * wd).sum())
        )
        g = scale * w * (p - y)
        grad_s = xt @ g + config.l2_sparse * ws
        grad_d = np.einsum("nd,nl->dl", e, g, optimize=False) + config.l2_dense * wd
        grad_b = g.sum(axis=0)
        return value, np.concatenate([np.asarray(grad_s).ravel(), grad_d.ravel(), grad_b])

    theta0 = np.zeros((n_sparse + n_dense + 1) * labels)
    result = minimize(
        loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": config.max_iter}
    )
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


def fit_dense(
    features: npt.NDArray[np.float64],
    targets: npt.NDArray[np.float64],
    base: npt.NDArray[np.float64],
    config: TrainConfig,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Weighted logistic regression on dense features (the contextual stage's head)."""
    from scipy.optimize import minimize

    n_features, labels = features.shape[1], targets.shape[1]
    w = label_weights(targets, base, config.max_positive_weight)
    scale = 1.0 / float(w.sum() / labels)

    def loss(theta: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        weights = theta[: n_features * labels].reshape(n_features, labels)
        bias = theta[n_features * labels :]
        z = np.einsum("nd,dl->nl", features, weights, optimize=False) + bias
        p = 1.0 / (1.0 + np.exp(-z))
        value = scale * float((w * (np.logaddexp(0.0, z) - targets * z)).sum())
        value += 0.5 * config.l2_dense * float((weights * weights).sum())
        g = scale * w * (p - targets)
        grad_w = np.einsum("nd,nl->dl", features, g, optimize=False) + config.l2_dense * weights
        return value, np.concatenate([grad_w.ravel(), g.sum(axis=0)])

    theta0 = np.zeros((n_features + 1) * labels)
    result = minimize(
        loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": config.max_iter}
    )
    weights = result.x[: n_features * labels].reshape(n_features, labels)
    return weights.astype(np.float32), result.x[n_features * labels :].astype(np.float32)


def train_artifact(
    items: Sequence[TrainItem],
    config: TrainConfig = TrainConfig(),
    *,
    context: bool = True,
    cascade_band: tuple[float, float] = (0.3, 0.7),
    calibration_folds: int = 0,
    embedder: StaticEmbedder | None = None,
) -> Artifact:
    """Both stages on `items`: stage 1's linear heads, then (with `context`) the second
    head over [MiniLM embedding, WordLlama embedding]."""
    if not items:
        raise SignalError("no training items: check the training folder")
    embedder = embedder or StaticEmbedder()
    data = featurize(items, config.spec, embedder)
    arrays = fit(data, config)
    features = None
    if context:
        from charter.signals.context import CONTEXT_SCALE, shared_encoder

        encoder = shared_encoder()
        prepared = [clip(scoring_text(i.text), config.spec.max_chars) for i in items]
        contextual = np.asarray(
            [encoder.embed(p) * CONTEXT_SCALE for p in prepared], dtype=np.float64
        )
        features = np.concatenate([contextual, data.dense], axis=1)
        arrays["ctx_w"], arrays["ctx_bias"] = fit_dense(
            features, data.targets, data.weights, config
        )
    calibration = (
        calibrate(items, data, features, config, cascade_band, calibration_folds)
        if calibration_folds
        else None
    )
    meta = {
        "trained_on": training_record(items),
        "cascade_band": list(cascade_band),
        "calibration": calibration,
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


def sources_table(items: Sequence[TrainItem]) -> str:
    """Markdown: items per family and language, attacks vs benign (for SOURCES/README)."""
    rows: dict[tuple[str, str], list[int]] = {}
    for item in items:
        counts = rows.setdefault((item.family, item.lang), [0, 0])
        counts[0 if item.targets else 1] += 1
    lines = ["| family | lang | attacks | benign |", "|---|---|---:|---:|"]
    for (family, lang), (attacks, benign) in sorted(rows.items()):
        lines.append(f"| {family} | {lang} | {attacks} | {benign} |")
    total_a = sum(v[0] for v in rows.values())
    total_b = sum(v[1] for v in rows.values())
    lines.append(f"| **total** | | **{total_a}** | **{total_b}** |")
    return "\n".join(lines)


def policy_scores(probs: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """What SafetyClassifier.scores does, for a matrix of head probabilities."""
    out = probs.copy()
    harm = [i for i, label in enumerate(LABELS) if label.startswith(HARM_PREFIX)]
    top = np.maximum(probs[:, harm].max(axis=1, keepdims=True), 1e-12)
    out[:, harm] = probs[:, [LABELS.index(ANY_HARM)]] * probs[:, harm] / top
    return out


def calibrate(
    items: Sequence[TrainItem],
    data: Featurized,
    contextual: npt.NDArray[np.float64] | None,
    config: TrainConfig,
    band: tuple[float, float],
    folds: int = 5,
    target_benign_rate: float = 0.01,
) -> dict[str, Any]:
    """Out-of-fold scores of the whole cascade on the training items (folds by a hash of
    the id, so deterministic), and per head the lowest threshold that flags at most
    `target_benign_rate` of the benign items. Only training data is used: these are
    in-distribution suggestions for the policy's thresholds, never tuned on held-out sets."""
    import zlib

    fold = np.asarray([zlib.crc32(i.id.encode()) % folds for i in items])
    probs = np.zeros_like(data.targets)
    for k in range(folds):
        train, test = fold != k, fold == k
        part = Featurized(
            data.rows[train], data.dense[train], data.targets[train], data.weights[train]
        )
        arrays = fit(part, config)
        sparse = np.vstack([arrays["char"], arrays["word"]]).astype(np.float64)
        z = data.rows[test] @ sparse + data.dense[test] @ arrays["dense"] + arrays["bias"]
        first = 1.0 / (1.0 + np.exp(-z))
        if contextual is not None:
            w, b = fit_dense(contextual[train], data.targets[train], data.weights[train], config)
            second = 1.0 / (1.0 + np.exp(-(contextual[test] @ w + b)))
            unsure = ((first >= band[0]) & (first < band[1])).any(axis=1)
            first[unsure] = (first[unsure] + second[unsure]) / 2.0
        probs[test] = first
    scores = policy_scores(probs)
    benign = data.targets.sum(axis=1) == 0
    result: dict[str, Any] = {"folds": folds, "target_benign_rate": target_benign_rate}
    thresholds, recall, rates = {}, {}, {}
    for head in ("jailbreak", "prompt_injection", ANY_HARM):
        column = scores[:, LABELS.index(head)]
        positive = data.targets[:, LABELS.index(head)] > 0
        grid = np.round(np.arange(0.3, 0.991, 0.01), 2)
        ok = [t for t in grid if (column[benign] >= t).mean() <= target_benign_rate]
        threshold = float(ok[0]) if ok else 0.99
        thresholds[head] = threshold
        recall[head] = round(float((column[positive] >= threshold).mean()), 4)
        rates[head] = round(float((column[benign] >= threshold).mean()), 4)
    any_flag = np.zeros(len(items), dtype=bool)
    for head, threshold in thresholds.items():
        any_flag |= scores[:, LABELS.index(head)] >= threshold
    result.update(
        thresholds=thresholds,
        recall_at_threshold=recall,
        benign_rate_at_threshold=rates,
        attacks_flagged=round(float(any_flag[~benign].mean()), 4),
        benign_flagged=round(float(any_flag[benign].mean()), 4),
        benign_in_band=round(
            float(((probs[benign] >= band[0]) & (probs[benign] < band[1])).any(axis=1).mean()), 4
        ),
    )
    return result
