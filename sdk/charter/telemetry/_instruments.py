"""The metric instruments of one `Telemetry`, created once, with cached attribute sets.

Metrics are aggregates, so they are never sampled: every decision, redaction and approval
is counted even when its span is dropped. Attribute dicts are built once per distinct
label combination and reused, which keeps a guarded call free of per-call allocations here.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.metrics import MeterProvider
from opentelemetry.util.types import Attributes

from charter import semconv as sc

_MAX_CACHED_LABEL_SETS = 4096
"""Label combinations kept ready; beyond this (a runaway rule-id space) they are rebuilt."""

_Key = tuple[str, ...]


class Instruments:
    """Counters and histograms named in `charter.semconv`, labelled with app/tenant/env."""

    def __init__(self, meter_provider: MeterProvider, *, base: Mapping[str, str], version: str):
        meter = meter_provider.get_meter("charter", version)
        self._base = dict(base)
        self._cache: dict[_Key, Attributes] = {}
        self.decisions = meter.create_counter(
            sc.METRIC_DECISIONS, unit="{decision}", description="Policy decisions by action"
        )
        self.rule_hits = meter.create_counter(
            sc.METRIC_RULE_HITS, unit="{rule}", description="Rules that fired, one per rule"
        )
        self.redactions = meter.create_counter(
            sc.METRIC_REDACTIONS, unit="{entity}", description="PII entities found, by type"
        )
        self.approvals = meter.create_counter(
            sc.METRIC_APPROVALS, unit="{approval}", description="Approval outcomes by state"
        )
        self.revisions = meter.create_counter(
            sc.METRIC_REVISIONS, unit="{round}", description="Revision rounds by verdict"
        )
        self.call_duration = meter.create_histogram(
            sc.METRIC_LATENCY, unit="ms", description="Duration of a guarded call"
        )
        self.stage_duration = meter.create_histogram(
            sc.METRIC_STAGE_DURATION, unit="ms", description="Duration of one guard stage"
        )

    def labels(self, *pairs: str) -> Attributes:
        """Base labels plus `key, value, key, value, ...`, cached per combination."""
        cached = self._cache.get(pairs)
        if cached is not None:
            return cached
        attrs = dict(self._base)
        for i in range(0, len(pairs), 2):
            attrs[pairs[i]] = pairs[i + 1]
        if len(self._cache) < _MAX_CACHED_LABEL_SETS:
            self._cache[pairs] = attrs
        return attrs
