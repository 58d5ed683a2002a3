"""Probe runs as series and alerts: pure functions over `charter.probe` spans, no UI.

Each run span carries its counts and its baseline's (`charter.semconv.PROBE_*`), so the
verdict is recomputed here with the console's thresholds by the same `charter.probes.compare`
that `charter probe` prints. A series is one (app, target, model) over time; its alert is
its newest run against the baseline that run was measured on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from charter import semconv
from charter.probes import (
    Change,
    ProbeThresholds,
    RunMetrics,
    compare,
    failures,
    ranked,
    worst,
)
from monitor_tui.ingest.records import SpanRecord

_COUNTS = tuple(RunMetrics.model_fields)


@dataclass(frozen=True)
class ProbePoint:
    end_ns: int
    run_id: str
    app: str
    target: str
    model: str
    version: str
    metrics: RunMetrics
    is_baseline: bool = False
    baseline: RunMetrics | None = None
    baseline_run_id: str = ""
    baseline_version: str = ""
    items: int | None = None
    """Probes the run asked (its span's `charter.probe.items`); None on older spans."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.app, self.target, self.model)

    def changes(self, thresholds: ProbeThresholds) -> tuple[Change, ...]:
        """As `charter probe` prints them: its failed calls (a dead model is no "no
        change"), then what moved against its baseline."""
        failed = failures(self.metrics, self.items) if self.items is not None else ()
        if self.baseline is None:
            return failed
        moved = compare(
            self.metrics,
            self.baseline,
            version=self.version,
            baseline_version=self.baseline_version,
            thresholds=thresholds,
        )
        return ranked(failed + moved)


@dataclass(frozen=True)
class ProbeSeries:
    points: tuple[ProbePoint, ...]
    """Oldest first; never empty."""

    @property
    def latest(self) -> ProbePoint:
        return self.points[-1]

    @property
    def label(self) -> str:
        p = self.latest
        return f"{p.model} @ {p.target}"

    def values(self, metric: str) -> list[float | None]:
        """One value per run: `refusal_rate`, `false_refusal_rate`, `flip_rate`, `drift`."""
        return [getattr(p.metrics, metric) for p in self.points]

    @property
    def versions(self) -> list[str]:
        return list(dict.fromkeys(p.version for p in self.points))


@dataclass(frozen=True)
class ProbeAlert:
    severity: str
    series: str
    run_id: str
    end_ns: int
    change: Change


def point(span: SpanRecord) -> ProbePoint | None:
    """A run span as a point; None for a span that is not one (or is malformed)."""
    attrs = span.attributes
    if span.name != semconv.SPAN_PROBE or semconv.PROBE_RUN_ID not in attrs:
        return None
    metrics = _metrics(attrs, semconv.PROBE_METRIC_PREFIX)
    if metrics is None:
        return None
    return ProbePoint(
        end_ns=span.end_ns,
        run_id=str(attrs[semconv.PROBE_RUN_ID]),
        app=span.app,
        target=str(attrs.get(semconv.PROBE_TARGET) or ""),
        model=str(attrs.get(semconv.PROBE_MODEL) or ""),
        version=str(attrs.get(semconv.PROBE_MODEL_VERSION) or ""),
        metrics=metrics,
        is_baseline=bool(attrs.get(semconv.PROBE_IS_BASELINE)),
        baseline=_metrics(attrs, semconv.PROBE_BASELINE_METRIC_PREFIX),
        baseline_run_id=str(attrs.get(semconv.PROBE_BASELINE_RUN_ID) or ""),
        baseline_version=str(attrs.get(semconv.PROBE_BASELINE_VERSION) or ""),
        items=_count(attrs.get(semconv.PROBE_ITEMS)),
    )


def series(spans: Iterable[SpanRecord]) -> list[ProbeSeries]:
    """Run spans grouped per (app, target, model), each oldest first; newest series first."""
    groups: dict[tuple[str, str, str], list[ProbePoint]] = defaultdict(list)
    for span in spans:
        p = point(span)
        if p is not None:
            groups[p.key].append(p)
    out = [ProbeSeries(tuple(sorted(ps, key=lambda p: p.end_ns))) for ps in groups.values()]
    return sorted(out, key=lambda s: s.latest.end_ns, reverse=True)


def alerts(all_series: Sequence[ProbeSeries], thresholds: ProbeThresholds) -> list[ProbeAlert]:
    """What changed in each series' newest run against its baseline, most severe first."""
    found = []
    for s in all_series:
        latest = s.latest
        for change in latest.changes(thresholds):
            found.append(
                ProbeAlert(change.severity.value, s.label, latest.run_id, latest.end_ns, change)
            )
    rank = {"alert": 0, "warn": 1}
    return sorted(found, key=lambda a: (rank.get(a.severity, 2), -a.end_ns))


def verdict(p: ProbePoint, thresholds: ProbeThresholds) -> str:
    """`alert`, `warn`, `ok`, or `baseline` for a run that is one."""
    changes = p.changes(thresholds)
    if p.baseline is None and not changes:
        return "baseline" if p.is_baseline else "ok"
    return worst(changes)


def _count(value: Any) -> int | None:
    """A non-negative int attribute, or None (absent, or of another type)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _metrics(attrs: Mapping[str, Any], prefix: str) -> RunMetrics | None:
    values = {name: attrs[prefix + name] for name in _COUNTS if prefix + name in attrs}
    if "attack_items" not in values:
        return None
    try:
        return RunMetrics.model_validate(values)
    except ValueError:
        return None
