"""Drift detection over guarded-call spans: pure functions, no UI, no I/O.

Features come from the span attributes Charter emits (`charter.semconv`): token counts,
latency, finish reasons, model version, errors, the decision mix, rules fired, redacted
entity types, approvals and signal scores. Each feature is compared between a baseline
window and the current window, separately per segment (app x environment x model x policy
revision by default), because mixing apps or models would hide real drift and invent false
drift. A model or revision change under the same app is flagged on its own (`drift_changes`).

Each feature gets its verdict in `monitor_tui.drift_verdicts` (the statistics and
thresholds); this module groups spans into segments and reports. A span kept by a sampling
receiver counts as the spans it stands for, at an honest sample size (`drift_stats`).

The console's Drift screen and `charter drift report` both call `compare`, so they give
the same verdicts for the same spans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from monitor_tui.drift_changes import change_verdicts, segment_changes
from monitor_tui.drift_features import (
    SOURCES,
    UNKNOWN,
    FeatureTable,
    extract_features,
    is_score,
    source_of,
)
from monitor_tui.drift_verdicts import (
    SEGMENT_DIMENSIONS,
    DriftConfig,
    DriftSeverity,
    FeatureDrift,
    categorical_drift,
    numeric_drift,
)
from monitor_tui.ingest.records import SpanRecord

__all__ = [
    "SEGMENT_DIMENSIONS",
    "DriftConfig",
    "DriftReport",
    "DriftSeverity",
    "FeatureDrift",
    "SegmentDrift",
    "categorical_drift",
    "compare",
    "compare_tables",
    "numeric_drift",
    "segment_key",
]


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
    sizes = {}
    for key in sorted(set(base_groups) | set(cur_groups)):
        base = extract_features(base_groups.get(key, ()))
        cur = extract_features(cur_groups.get(key, ()))
        sizes[key] = (base.calls(), cur.calls())
        segments.append(SegmentDrift(key=key, features=tuple(compare_tables(base, cur, config))))
    for change in segment_changes(sizes, config):
        base = extract_features(s for key in change.gone for s in base_groups[key])
        cur = extract_features(s for key in change.new for s in cur_groups[key])
        flagged = change_verdicts(change, base.calls(), cur.calls(), config)
        features = (*flagged, *compare_tables(base, cur, config))
        segments.append(SegmentDrift(key=change.key, features=features))
    return DriftReport(
        segments=tuple(segments),
        config=config,
        baseline_spans=sum(len(v) for v in base_groups.values()),
        current_spans=sum(len(v) for v in cur_groups.values()),
    )


def compare_tables(
    baseline: FeatureTable, current: FeatureTable, config: DriftConfig
) -> list[FeatureDrift]:
    """Each feature's verdict, on samples weighed by sampling (`FeatureTable.sample`)."""
    out = [
        numeric_drift(
            name,
            baseline.sample(name),
            current.sample(name),
            config,
            min_shift=config.score_shift_min if is_score(name) else 0.0,
        )
        for name in sorted(set(baseline.numeric) | set(current.numeric))
    ]
    for name in sorted(set(baseline.categorical) | set(current.categorical)):
        base_counts, n_baseline = baseline.counts(name)
        cur_counts, n_current = current.counts(name)
        out.append(
            categorical_drift(
                name,
                base_counts,
                cur_counts,
                config,
                n_baseline=n_baseline,
                n_current=n_current,
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
