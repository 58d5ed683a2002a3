"""Per-feature drift verdicts: one feature's baseline against its current samples.

Numeric features: population stability index (PSI) on baseline-quantile bins, with the
two-sample Kolmogorov-Smirnov test and the Wasserstein distance alongside. Categorical
features: Jensen-Shannon distance (base 2, 0..1) and a chi-square test of homogeneity.
A feature is flagged only when the effect is large (PSI / JS over the threshold) *and*
the test says it is not sampling noise (p below `p_value`); with fewer than `min_samples`
spans on either side it is "not enough data", never an alarm. Signal scores must also
have moved `score_shift_min` (a real shift can still be too small to matter).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats

from charter import semconv
from monitor_tui.drift_stats import Float64Array, chi_square, histogram, js_distance, psi
from monitor_tui.ingest.records import SpanRecord


class DriftSeverity(StrEnum):
    OK = "ok"
    WARN = "warn"
    ALERT = "alert"
    NOT_ENOUGH_DATA = "not enough data"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {
    DriftSeverity.NOT_ENOUGH_DATA: 0,
    DriftSeverity.OK: 1,
    DriftSeverity.WARN: 2,
    DriftSeverity.ALERT: 3,
}

SEGMENT_DIMENSIONS: dict[str, Callable[[SpanRecord], str]] = {
    "app": lambda s: s.app,
    "model": lambda s: s.model,
    "revision": lambda s: s.revision,
    "tenant": lambda s: str(s.attributes.get(semconv.TENANT) or ""),
    "environment": lambda s: str(s.attributes.get(semconv.ENVIRONMENT) or ""),
}


class DriftConfig(BaseModel):
    """Thresholds. PSI 0.1 / 0.25 are the usual "moderate" / "significant" shift levels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_samples: int = Field(default=200, ge=2)
    psi_warn: float = Field(default=0.1, gt=0)
    psi_alert: float = Field(default=0.25, gt=0)
    js_warn: float = Field(default=0.1, gt=0, le=1)
    js_alert: float = Field(default=0.2, gt=0, le=1)
    p_value: float = Field(default=0.001, gt=0, lt=1)
    bins: int = Field(default=10, ge=2, le=100)
    group_by: tuple[str, ...] = ("app", "environment", "model", "revision")
    """Environment too: staging or a probe process (`charter probe` with its own
    CHARTER_ENVIRONMENT) must not land in production's segments."""
    score_shift_min: float = Field(default=0.02, ge=0, le=1)
    """Signal scores (0..1) drift only if they also moved this far (Wasserstein distance):
    PSI over scores piled up near zero makes a shift of 0.001 look like an alarm."""

    @model_validator(mode="after")
    def _check(self) -> DriftConfig:
        if self.psi_alert < self.psi_warn or self.js_alert < self.js_warn:
            raise ValueError("alert thresholds must not be below warn thresholds")
        unknown = [d for d in self.group_by if d not in SEGMENT_DIMENSIONS]
        if unknown:
            raise ValueError(
                f"unknown group_by {unknown}; choose from {sorted(SEGMENT_DIMENSIONS)}"
            )
        return self


# --- per-feature verdicts -------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    kind: Literal["numeric", "categorical"]
    severity: DriftSeverity
    n_baseline: int
    n_current: int
    score: float | None = None
    """PSI (numeric) or Jensen-Shannon distance (categorical): what the severity is based on."""
    p_value: float | None = None
    """KS (numeric) or chi-square (categorical) p-value: small means not noise."""
    ks_statistic: float | None = None
    wasserstein: float | None = None
    chi2: float | None = None
    labels: tuple[str, ...] = ()
    baseline: tuple[float, ...] = ()
    """Proportion per bin / category, baseline side (for sparklines and histograms)."""
    current: tuple[float, ...] = ()
    summary: Mapping[str, float] = field(default_factory=dict)
    reason: str = ""

    @property
    def metric(self) -> str:
        return "PSI" if self.kind == "numeric" else "JS"

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "kind": self.kind,
            "severity": self.severity.value,
            "n_baseline": self.n_baseline,
            "n_current": self.n_current,
            "metric": self.metric,
            "score": _finite(self.score),
            "p_value": _finite(self.p_value),
            "ks_statistic": _finite(self.ks_statistic),
            "wasserstein": _finite(self.wasserstein),
            "chi2": _finite(self.chi2),
            "bins": [
                {"label": label, "baseline": round(b, 6), "current": round(c, 6)}
                for label, b, c in zip(self.labels, self.baseline, self.current, strict=False)
            ],
            "summary": {k: _finite(v) for k, v in self.summary.items()},
            "reason": self.reason,
        }


def _grade(score: float, p: float, warn: float, alert: float, config: DriftConfig) -> DriftSeverity:
    if math.isnan(score) or p >= config.p_value:
        return DriftSeverity.OK
    if score >= alert:
        return DriftSeverity.ALERT
    if score >= warn:
        return DriftSeverity.WARN
    return DriftSeverity.OK


def numeric_drift(
    name: str,
    baseline: Sequence[float] | Float64Array,
    current: Sequence[float] | Float64Array,
    config: DriftConfig,
    *,
    min_shift: float = 0.0,
) -> FeatureDrift:
    """`min_shift`: the Wasserstein distance under which no shift is flagged (scores)."""
    b = np.asarray(baseline, dtype=np.float64)
    c = np.asarray(current, dtype=np.float64)
    if b.size < config.min_samples or c.size < config.min_samples:
        return _not_enough(name, "numeric", b.size, c.size, config)
    bp, cp, labels = histogram(b, c, config.bins)
    score = psi(bp, cp)
    ks = stats.ks_2samp(b, c)
    ks_stat, ks_p = float(ks.statistic), float(ks.pvalue)
    moved = float(stats.wasserstein_distance(b, c))
    severity = _grade(score, ks_p, config.psi_warn, config.psi_alert, config)
    reason = _reason(severity, f"PSI {score:.3f}", f"KS p={ks_p:.2g}", config)
    if severity is not DriftSeverity.OK and moved < min_shift:
        severity = DriftSeverity.OK
        reason = f"PSI {score:.3f}, KS p={ks_p:.2g}, but moved only {moved:.3g} < {min_shift}"
    summary = {
        "baseline_mean": float(b.mean()),
        "current_mean": float(c.mean()),
        "baseline_p50": float(np.median(b)),
        "current_p50": float(np.median(c)),
        "baseline_p95": float(np.quantile(b, 0.95)),
        "current_p95": float(np.quantile(c, 0.95)),
    }
    return FeatureDrift(
        feature=name,
        kind="numeric",
        severity=severity,
        n_baseline=b.size,
        n_current=c.size,
        score=score,
        p_value=ks_p,
        ks_statistic=ks_stat,
        wasserstein=moved,
        labels=tuple(labels),
        baseline=tuple(bp.tolist()),
        current=tuple(cp.tolist()),
        summary=summary,
        reason=reason,
    )


def categorical_drift(
    name: str,
    baseline: Mapping[str, float],
    current: Mapping[str, float],
    config: DriftConfig,
    *,
    n_baseline: int,
    n_current: int,
) -> FeatureDrift:
    """`n_*` are span counts (the sample sizes); the mappings count categories, which can
    exceed them when one span yields several (rules, finish reasons, entity types)."""
    if n_baseline < config.min_samples or n_current < config.min_samples:
        return _not_enough(name, "categorical", n_baseline, n_current, config)
    labels = sorted(set(baseline) | set(current))
    b = np.array([float(baseline.get(k, 0)) for k in labels])
    c = np.array([float(current.get(k, 0)) for k in labels])
    score = js_distance(b, c)
    chi2, p = chi_square(b, c)
    severity = _grade(score, p, config.js_warn, config.js_alert, config)
    bp, cp = b / max(b.sum(), 1.0), c / max(c.sum(), 1.0)
    return FeatureDrift(
        feature=name,
        kind="categorical",
        severity=severity,
        n_baseline=n_baseline,
        n_current=n_current,
        score=score,
        p_value=p,
        chi2=chi2,
        labels=tuple(labels),
        baseline=tuple(bp.tolist()),
        current=tuple(cp.tolist()),
        reason=_reason(severity, f"JS {score:.3f}", f"chi-square p={p:.2g}", config),
    )


def _not_enough(
    name: str, kind: Literal["numeric", "categorical"], nb: int, nc: int, config: DriftConfig
) -> FeatureDrift:
    return FeatureDrift(
        feature=name,
        kind=kind,
        severity=DriftSeverity.NOT_ENOUGH_DATA,
        n_baseline=nb,
        n_current=nc,
        reason=f"needs {config.min_samples} spans on each side, has {nb} baseline / {nc} current",
    )


def _reason(severity: DriftSeverity, effect: str, test: str, config: DriftConfig) -> str:
    if severity is DriftSeverity.OK:
        return f"{effect}, {test}: within thresholds"
    return f"{effect} over the {severity.value} threshold, {test} < {config.p_value}"


def _finite(value: float | None) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return value
