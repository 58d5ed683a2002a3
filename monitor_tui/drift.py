"""Drift detection over guarded-call spans: pure functions, no UI, no I/O.

Features come from the span attributes Charter emits (`charter.semconv`): token counts,
latency, finish reasons, model version, errors, the decision mix, rules fired, redacted
entity types, approvals and signal scores. Each feature is compared between a baseline
window and the current window, separately per segment (app x model x policy revision by
default), because mixing apps or models would hide real drift and invent false drift.

Numeric features: population stability index (PSI) on baseline-quantile bins, with the
two-sample Kolmogorov-Smirnov test and the Wasserstein distance alongside. Categorical
features: Jensen-Shannon distance (base 2, 0..1) and a chi-square test of homogeneity.
A feature is flagged only when the effect is large (PSI / JS over the threshold) *and*
the test says it is not sampling noise (p below `p_value`); with fewer than `min_samples`
spans on either side it is "not enough data", never an alarm.

The console's Drift screen and `charter drift report` both call `compare`, so they give
the same verdicts for the same spans.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats

from charter import semconv
from monitor_tui.drift_features import SOURCES, UNKNOWN, FeatureTable, extract_features, source_of
from monitor_tui.drift_stats import chi_square, histogram, js_distance, psi
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
    group_by: tuple[str, ...] = ("app", "model", "revision")

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
    name: str, baseline: Sequence[float], current: Sequence[float], config: DriftConfig
) -> FeatureDrift:
    b = np.asarray(baseline, dtype=np.float64)
    c = np.asarray(current, dtype=np.float64)
    if b.size < config.min_samples or c.size < config.min_samples:
        return _not_enough(name, "numeric", b.size, c.size, config)
    bp, cp, labels = histogram(b, c, config.bins)
    score = psi(bp, cp)
    ks = stats.ks_2samp(b, c)
    ks_stat, ks_p = float(ks.statistic), float(ks.pvalue)
    severity = _grade(score, ks_p, config.psi_warn, config.psi_alert, config)
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
        wasserstein=float(stats.wasserstein_distance(b, c)),
        labels=tuple(labels),
        baseline=tuple(bp.tolist()),
        current=tuple(cp.tolist()),
        summary=summary,
        reason=_reason(severity, f"PSI {score:.3f}", f"KS p={ks_p:.2g}", config),
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


# --- segments and reports ------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentDrift:
    key: tuple[tuple[str, str], ...]
    """(dimension, value) pairs, e.g. (("app", "bot"), ("model", "gpt-4o"), ...)."""
    features: tuple[FeatureDrift, ...]

    @property
    def label(self) -> str:
        return " / ".join(f"{dim}={value or UNKNOWN}" for dim, value in self.key) or "all"

    @property
    def severity(self) -> DriftSeverity:
        return max(
            (f.severity for f in self.features),
            key=lambda s: s.rank,
            default=DriftSeverity.NOT_ENOUGH_DATA,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment": dict(self.key),
            "label": self.label,
            "severity": self.severity.value,
            "features": [f.to_dict() for f in self.features],
        }


@dataclass(frozen=True)
class DriftReport:
    segments: tuple[SegmentDrift, ...]
    config: DriftConfig
    baseline_spans: int
    current_spans: int

    @property
    def severity(self) -> DriftSeverity:
        return max(
            (s.severity for s in self.segments),
            key=lambda s: s.rank,
            default=DriftSeverity.NOT_ENOUGH_DATA,
        )

    def alerts(
        self, at_least: DriftSeverity = DriftSeverity.WARN
    ) -> list[tuple[SegmentDrift, FeatureDrift]]:
        """Flagged features, worst first."""
        found = [
            (segment, feature)
            for segment in self.segments
            for feature in segment.features
            if feature.severity.rank >= at_least.rank
        ]
        return sorted(found, key=lambda sf: (-sf[1].severity.rank, -(sf[1].score or 0.0)))

    def by_source(self) -> dict[str, DriftSeverity]:
        """The worst verdict per source (`drift_features.SOURCES`): did the traffic, the
        model, the decisions or the service change?"""
        worst = dict.fromkeys(SOURCES, DriftSeverity.NOT_ENOUGH_DATA)
        for segment in self.segments:
            for f in segment.features:
                source = source_of(f.feature)
                if f.severity.rank > worst[source].rank:
                    worst[source] = f.severity
        return worst

    def sources_line(self) -> str:
        """`traffic ok · model ALERT · ...`: the report in one line (flagged in capitals)."""
        return " · ".join(
            f"{source} {v.value.upper() if v.rank >= DriftSeverity.WARN.rank else v.value}"
            for source, v in self.by_source().items()
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "sources": {source: v.value for source, v in self.by_source().items()},
            "baseline_spans": self.baseline_spans,
            "current_spans": self.current_spans,
            "config": self.config.model_dump(mode="json"),
            "alerts": [
                {
                    "segment": s.label,
                    "feature": f.feature,
                    "severity": f.severity.value,
                    "reason": f.reason,
                }
                for s, f in self.alerts()
            ],
            "segments": [s.to_dict() for s in self.segments],
        }


def segment_key(span: SpanRecord, group_by: Sequence[str]) -> tuple[tuple[str, str], ...]:
    return tuple((dim, SEGMENT_DIMENSIONS[dim](span)) for dim in group_by)


def compare(
    baseline: Iterable[SpanRecord],
    current: Iterable[SpanRecord],
    config: DriftConfig | None = None,
) -> DriftReport:
    """Drift of `current` against `baseline`, per segment and feature."""
    config = config or DriftConfig()
    base_groups = _group(baseline, config.group_by)
    cur_groups = _group(current, config.group_by)
    segments = []
    for key in sorted(set(base_groups) | set(cur_groups)):
        base = extract_features(base_groups.get(key, ()))
        cur = extract_features(cur_groups.get(key, ()))
        segments.append(SegmentDrift(key=key, features=tuple(compare_tables(base, cur, config))))
    return DriftReport(
        segments=tuple(segments),
        config=config,
        baseline_spans=sum(len(v) for v in base_groups.values()),
        current_spans=sum(len(v) for v in cur_groups.values()),
    )


def compare_tables(
    baseline: FeatureTable, current: FeatureTable, config: DriftConfig
) -> list[FeatureDrift]:
    out = [
        numeric_drift(name, baseline.numeric.get(name, []), current.numeric.get(name, []), config)
        for name in sorted(set(baseline.numeric) | set(current.numeric))
    ]
    for name in sorted(set(baseline.categorical) | set(current.categorical)):
        out.append(
            categorical_drift(
                name,
                baseline.categorical.get(name, Counter()),
                current.categorical.get(name, Counter()),
                config,
                n_baseline=baseline.samples[name],
                n_current=current.samples[name],
            )
        )
    return out


def _group(
    spans: Iterable[SpanRecord], group_by: Sequence[str]
) -> dict[tuple[tuple[str, str], ...], list[SpanRecord]]:
    groups: dict[tuple[tuple[str, str], ...], list[SpanRecord]] = defaultdict(list)
    for span in spans:
        if span.is_call:
            groups[segment_key(span, group_by)].append(span)
    return groups


def _finite(value: float | None) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return value
