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


# --- sampling weights ------------------------------------------------------------------------
#
# A receiver sampling at rate r keeps every deny, approval and revision and 1 in 1/r of the
# rest, with `weight = 1/r`. Counted once each, the kept spans overstate what is always
# kept (10% denials read as ~50% at r = 0.1, an alert against an unsampled baseline).
# Weighted, the mix is right; but a test fed weighted counts would take 10 spans for
# every one it saw, and call noise drift. So the tests see the weighted mix at Kish's
# effective sample size, n_eff = (sum w)^2 / sum w^2: n when the weights are equal (no
# sampling: results exactly as before), fewer than the spans observed when they differ,
# as unequal weights make an estimate noisier.


def effective_size(weights: Float64Array) -> float:
    """Kish's effective sample size of weighted observations. It depends only on the
    weights' ratios, so they are scaled to the largest first: weights of 1e-200 squared to
    zero and failed the whole report (ZeroDivisionError)."""
    top = float(weights.max()) if weights.size else 0.0
    if not top > 0:
        return 0.0
    scaled = weights / top
    total = float(scaled.sum())
    return total * total / float(np.square(scaled).sum())


def effective_counts(counts: Float64Array, weights: Float64Array) -> Float64Array:
    """Weighted category counts scaled to the effective size: `weights` are those of the
    spans behind the counts (a span may count in several categories, as rules do)."""
    total = float(weights.sum())
    return counts / total * effective_size(weights) if total > 0 else counts


def equal_weight_sample(values: Float64Array, weights: Float64Array) -> Float64Array:
    """An unweighted sample of the weighted one: its distribution, at the effective size
    (evenly spaced quantiles of the weighted distribution), for tests that take no weights
    (KS, quantile bins). Equal weights return `values` as they are."""
    if values.size == 0 or bool(np.all(weights == weights[0])):
        return values
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    size = max(1, round(effective_size(weights)))
    targets = (np.arange(size) + 0.5) / size * cumulative[-1]
    picked: Float64Array = values[order][np.searchsorted(cumulative, targets)]
    return picked


def format_number(value: float) -> str:
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return f"{value:.4g}"
