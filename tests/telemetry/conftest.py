"""Real OpenTelemetry SDK providers with in-memory readers, one set per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter.telemetry import Telemetry


@dataclass
class Otel:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    spans_out: InMemorySpanExporter
    metrics_in: InMemoryMetricReader

    def telemetry(self, **overrides: Any) -> Telemetry:
        options: dict[str, Any] = {"app": "support-bot", "tenant": "acme", "environment": "test"}
        options.update(overrides)
        return Telemetry(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **options
        )

    def spans(self) -> list[ReadableSpan]:
        return list(self.spans_out.get_finished_spans())

    def span(self, name: str) -> ReadableSpan:
        found = [s for s in self.spans() if s.name == name]
        assert len(found) == 1, f"expected one span {name!r}, got {[s.name for s in self.spans()]}"
        return found[0]

    def points(self, metric: str) -> list[tuple[dict[str, Any], Any]]:
        """(attributes, point) for every data point of `metric`."""
        data = self.metrics_in.get_metrics_data()
        found = []
        for resource_metrics in data.resource_metrics if data else ():
            for scope in resource_metrics.scope_metrics:
                for m in scope.metrics:
                    if m.name == metric:
                        found += [(dict(p.attributes or {}), p) for p in m.data.data_points]
        return found


@pytest.fixture
def otel() -> Iterator[Otel]:
    spans_out = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans_out))
    metrics_in = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[metrics_in])
    yield Otel(tracer_provider, meter_provider, spans_out, metrics_in)
    tracer_provider.shutdown()
    meter_provider.shutdown()
