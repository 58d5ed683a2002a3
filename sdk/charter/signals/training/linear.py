"""Stage 1's linear heads: weighted logistic regression over hashed n-grams and the
WordLlama embedding, fitted with full-batch L-BFGS from zeros (no randomness at all).

Dense products use `einsum(optimize=False)` rather than multi-threaded BLAS, so sums are
taken in one fixed order. L-BFGS-B's own dot products go through BLAS, whose threads split
them: the same data gives the same weights, bit for bit, only with BLAS on one thread
(`make train` sets it; `one_thread` runs a fit so). Needs scipy (the `train` extra, or
`dev`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from charter.signals.features import FeatureSpec, StaticEmbedder, clip, sparse_features
from charter.signals.normalize import scoring_text
from charter.signals.training.data import TrainItem, label_weights, target_matrix


@dataclass(frozen=True)
class TrainConfig:
    spec: FeatureSpec = field(default_factory=FeatureSpec)
    l2_sparse: float = 1e-4
    l2_dense: float = 1e-2
    max_iter: int = 300
    max_positive_weight: float = 8.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "L-BFGS-B",
            "max_iter": self.max_iter,
            "l2_sparse": self.l2_sparse,
            "l2_dense": self.l2_dense,
            "max_positive_weight": self.max_positive_weight,
        }


@dataclass
class Featurized:
    rows: Any  # scipy.sparse.csr_matrix, N x 2*buckets
    dense: npt.NDArray[np.float64]
    targets: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]

    def subset(self, mask: npt.NDArray[np.bool_]) -> Featurized:
        return Featurized(self.rows[mask], self.dense[mask], self.targets[mask], self.weights[mask])


def featurize(
    items: Sequence[TrainItem], spec: FeatureSpec, embedder: StaticEmbedder
) -> Featurized:
    from scipy import sparse

    buckets = spec.buckets
    indptr, indices, values = [0], [], []
    dense = np.zeros((len(items), embedder.dim), dtype=np.float64)
    for row, item in enumerate(items):
        prepared = clip(scoring_text(item.text), spec.max_chars)
        chars, words = sparse_features(prepared, spec)
        scales = spec.block_scales(len(chars), len(words))
        for block, offset, scale in ((chars, 0, scales[0]), (words, buckets, scales[1])):
            if len(block):
                indices.append(block + offset)
                values.append(np.full(len(block), scale))
        indptr.append(indptr[-1] + len(chars) + len(words))
        dense[row] = embedder.embed(prepared) * spec.dense_scale
    matrix = sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.asarray(indptr)),
        shape=(len(items), 2 * buckets),
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    weights = np.asarray([i.weight for i in items])
    return Featurized(matrix, dense, target_matrix(items), weights)


def fit(
    data: Featurized, config: TrainConfig, targets: npt.NDArray[np.float64] | None = None
) -> dict[str, npt.NDArray[Any]]:
    """Full-batch L-BFGS on the weighted logistic loss of every label at once. `targets`
    (soft, in [0, 1]) replace the hard labels when given: distillation from stage 2."""
    from scipy.optimize import minimize

    hard = data.targets
    y = hard if targets is None else targets
    labels = y.shape[1]
    # Only buckets some training text uses get a weight; the rest stay exactly 0 (their
    # gradient is 0 and the start is 0), so they are left out of the optimisation.
    used = np.unique(data.rows.indices)
    x = data.rows[:, used].tocsr()
    xt, e = x.T.tocsr(), data.dense
    n_sparse, n_dense = x.shape[1], e.shape[1]
    w = label_weights(hard, data.weights, config.max_positive_weight)
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


def stage_one_probabilities(
    data: Featurized, arrays: dict[str, npt.NDArray[Any]]
) -> npt.NDArray[np.float64]:
    """Stage 1's probabilities for featurized rows, as the classifier computes them."""
    sparse_w = np.vstack([arrays["char"], arrays["word"]]).astype(np.float64)
    z = data.rows @ sparse_w + data.dense @ arrays["dense"].astype(np.float64) + arrays["bias"]
    return np.asarray(1.0 / (1.0 + np.exp(-z)))
