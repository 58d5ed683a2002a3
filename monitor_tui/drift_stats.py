"""The statistics behind drift verdicts: quantile bins, PSI, Jensen-Shannon distance and
the chi-square test of homogeneity. Pure functions on numpy arrays."""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import NDArray
from scipy import stats
from scipy.spatial import distance

Float64Array = NDArray[np.float64]
_EPS = 1e-4
"""Floor for empty bins in PSI, so one empty bin does not make it infinite."""


# --- statistics ----------------------------------------------------------------------------


def bin_edges(baseline: Float64Array, current: Float64Array, bins: int) -> Float64Array | None:
    """Interior edges from baseline quantiles; None means "few distinct values: use them as
    categories". Falls back to pooled quantiles when the baseline is (nearly) constant."""
    pooled = np.concatenate([baseline, current])
    if np.unique(pooled).size <= bins:
        return None
    probs = np.linspace(0, 1, bins + 1)[1:-1]
    edges = np.unique(np.quantile(baseline, probs))
    if edges.size < 2:
        edges = np.unique(np.quantile(pooled, probs))
    return edges


def histogram(
    baseline: Float64Array, current: Float64Array, bins: int
) -> tuple[Float64Array, Float64Array, list[str]]:
    """Bin proportions of both samples on the same bins, and a label per bin."""
    edges = bin_edges(baseline, current, bins)
    if edges is None:
        values = np.unique(np.concatenate([baseline, current]))
        b = np.searchsorted(values, baseline)
        c = np.searchsorted(values, current)
        labels = [format_number(v) for v in values]
        size = values.size
    else:
        b = np.searchsorted(edges, baseline, side="right")
        c = np.searchsorted(edges, current, side="right")
        bounds = [-math.inf, *edges.tolist(), math.inf]
        labels = [
            f"[{format_number(lo)}, {format_number(hi)})" for lo, hi in itertools.pairwise(bounds)
        ]
        size = edges.size + 1
    bp = np.bincount(b, minlength=size) / max(baseline.size, 1)
    cp = np.bincount(c, minlength=size) / max(current.size, 1)
    return bp.astype(np.float64), cp.astype(np.float64), labels


def psi(baseline_props: Float64Array, current_props: Float64Array) -> float:
    """Population stability index: sum (c - b) * ln(c / b), empty bins floored."""
    b = np.maximum(baseline_props, _EPS)
    c = np.maximum(current_props, _EPS)
    return float(np.sum((c - b) * np.log(c / b)))


def js_distance(baseline_counts: Float64Array, current_counts: Float64Array) -> float:
    """Jensen-Shannon distance, base 2: 0 for identical mixes, 1 for disjoint ones."""
    if baseline_counts.sum() == 0 or current_counts.sum() == 0:
        return math.nan
    return float(distance.jensenshannon(baseline_counts, current_counts, base=2))


def chi_square(baseline_counts: Float64Array, current_counts: Float64Array) -> tuple[float, float]:
    """Chi-square test that both come from one distribution: (statistic, p-value)."""
    table = np.vstack([baseline_counts, current_counts])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 1.0
    result = stats.chi2_contingency(table, correction=False)
    return float(result.statistic), float(result.pvalue)


def format_number(value: float) -> str:
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return f"{value:.4g}"
