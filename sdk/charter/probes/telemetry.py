"""Probe runs as OpenTelemetry: a `charter.probe` span per run (the guarded calls it makes
are its children), a `charter.probe.suite` child per suite, and a gauge per headline rate.

The run span carries the counts behind the rates and the baseline's counts
(`charter.probe.metric.*`, `charter.probe.baseline.metric.*`), so a receiver (the console)
can recompute the verdict with its own thresholds. Nothing here runs on a request's path:
only `charter probe` (or code that calls `probe_once`) opens these spans.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry import metrics, trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import Span, SpanKind, TracerProvider
from opentelemetry.util.types import AttributeValue

from charter import semconv as sc
from charter.probes.results import ProbeRun, RunMetrics
from charter.probes.verdicts import Change, worst

_NAME = "charter.probes"


class ProbeTelemetry:
    def __init__(
        self,
        *,
        app: str,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        self.app = app
        self._tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer(_NAME)
        meter = (meter_provider or metrics.get_meter_provider()).get_meter(_NAME)
        self._gauge = meter.create_gauge(
            sc.METRIC_PROBE_RATE, unit="1", description="Probe rates and drift of the last run"
        )

    @contextlib.contextmanager
    def run_span(self, target: str, model: str) -> Iterator[Span]:
        attributes: dict[str, AttributeValue] = {
            sc.APP: self.app,
            sc.PROBE_TARGET: target,
            sc.PROBE_MODEL: model,
            sc.GEN_AI_REQUEST_MODEL: model,
        }
        with self._tracer.start_as_current_span(
            sc.SPAN_PROBE, kind=SpanKind.INTERNAL, attributes=attributes
        ) as span:
            yield span

    def record(
        self,
        span: Span,
        run: ProbeRun,
        changes: tuple[Change, ...],
        *,
        is_baseline: bool,
        baseline: RunMetrics | None,
    ) -> None:
        """Put the run's results on its span, one child span per suite, and the gauges."""
        m = run.metrics
        attrs: dict[str, AttributeValue] = {
            sc.PROBE_RUN_ID: run.run_id,
            sc.PROBE_MODEL_VERSION: run.model_version,
            sc.GEN_AI_RESPONSE_MODEL: run.model_version,
            sc.PROBE_ITEMS: len(run.answers),
            sc.PROBE_TARGET_CALLS: run.target_calls,
            sc.PROBE_IS_BASELINE: is_baseline,
            sc.PROBE_SEVERITY: worst(changes),
            sc.PROBE_CHANGES: [c.reason for c in changes],
        }
        attrs.update(_rates(m))
        attrs.update(_counts(sc.PROBE_METRIC_PREFIX, m))
        if run.baseline_run_id is not None and baseline is not None:
            attrs[sc.PROBE_BASELINE_RUN_ID] = run.baseline_run_id
            attrs[sc.PROBE_BASELINE_VERSION] = run.baseline_version or ""
            attrs.update(_counts(sc.PROBE_BASELINE_METRIC_PREFIX, baseline))
        span.set_attributes(attrs)
        for suite in run.suites:
            suite_attrs: dict[str, AttributeValue] = {
                sc.PROBE_RUN_ID: run.run_id,
                sc.PROBE_SUITE: suite.suite,
                sc.PROBE_KIND: suite.kind.value,
                sc.PROBE_ITEMS: suite.items,
                sc.PROBE_REFUSED_GUARD: suite.refused_guard,
                sc.PROBE_REFUSED_MODEL: suite.refused_model,
                sc.PROBE_ELIGIBLE: suite.eligible,
                sc.PROBE_FLIPPED: suite.flipped,
            }
            if suite.drift is not None:
                suite_attrs[sc.PROBE_DRIFT] = suite.drift
            self._tracer.start_span(sc.SPAN_PROBE_SUITE, attributes=suite_attrs).end()
        labels = {
            sc.METRIC_ATTR_APP: self.app,
            sc.METRIC_ATTR_TARGET: run.target,
            sc.METRIC_ATTR_MODEL: run.model,
            sc.METRIC_ATTR_MODEL_VERSION: run.model_version,
        }
        for key, value in _rates(m).items():
            self._gauge.set(float(value), {**labels, sc.METRIC_ATTR_METRIC: key})


def _rates(m: RunMetrics) -> dict[str, float]:
    values = {
        sc.PROBE_REFUSAL_RATE: m.refusal_rate,
        sc.PROBE_FALSE_REFUSAL_RATE: m.false_refusal_rate,
        sc.PROBE_FLIP_RATE: m.flip_rate,
        sc.PROBE_DRIFT: m.drift,
    }
    return {key: value for key, value in values.items() if value is not None}


def _counts(prefix: str, m: RunMetrics) -> dict[str, AttributeValue]:
    return {
        prefix + name: value
        for name, value in m.model_dump().items()
        if value is not None and not isinstance(value, bool)
    }
