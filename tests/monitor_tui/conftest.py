from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter

from tests.monitor_tui.factories import clock


@pytest.fixture
def store() -> Iterator[SpanStore]:
    """An in-memory span store on the tests' fixed clock (for factory-made spans)."""
    s = SpanStore(":memory:", clock=clock)
    yield s
    s.close()


@pytest.fixture
def live_store() -> Iterator[SpanStore]:
    """An in-memory span store on the real clock (for spans from a real OTel SDK)."""
    s = SpanStore(":memory:")
    yield s
    s.close()


@pytest.fixture
def receiver(live_store: SpanStore) -> Iterator[Receiver]:
    r = Receiver(live_store, http_port=0, grpc_port=0)
    r.start()
    yield r
    r.stop()


@pytest.fixture
def make_provider() -> Iterator[Callable[[SpanExporter], TracerProvider]]:
    """A real OTel TracerProvider exporting synchronously through `exporter`."""
    providers: list[TracerProvider] = []

    def make(exporter: SpanExporter) -> TracerProvider:
        provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        providers.append(provider)
        return provider

    yield make
    for provider in providers:
        provider.shutdown()
