"""End to end: spans from the real OTel SDK exporter, through the receiver the console
started in its worker, onto the Live screen."""

from __future__ import annotations

import re
from collections.abc import Callable

from monitor_tui.app import ConsoleApp
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from monitor_tui.screens.live import LiveScreen
from monitor_tui.widgets.metric import Metric
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from textual.widgets import DataTable

from charter import semconv
from tests.monitor_tui.helpers import column, settle


async def test_spans_from_the_otel_exporter_appear_on_the_live_screen(
    live_store: SpanStore, make_provider: Callable[[SpanExporter], TracerProvider]
) -> None:
    receiver = Receiver(live_store, http_port=0, grpc_port=0)
    app = ConsoleApp(live_store, receiver=receiver)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert receiver.running  # started by the app, in a worker
        assert receiver.grpc is not None
        http_tracer = make_provider(OTLPSpanExporter(endpoint=receiver.http.endpoint))
        grpc_tracer = make_provider(
            GrpcSpanExporter(endpoint=receiver.grpc.endpoint, insecure=True)
        )
        for tracer, action, rules in (
            (http_tracer.get_tracer("charter"), "deny", ["topics.forbidden"]),
            (grpc_tracer.get_tracer("charter"), "redact", ["privacy.pii_external"]),
        ):
            with tracer.start_as_current_span("chat gpt-4o") as span:
                span.set_attribute(semconv.ACTION, action)
                span.set_attribute(semconv.RULES, rules)
                span.set_attribute(semconv.APP, "support-bot")
                span.set_attribute(semconv.GEN_AI_REQUEST_MODEL, "gpt-4o")
                span.set_attribute(semconv.CALL_MS, 250.0)
        assert receiver.pipeline.flush()
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        stream = screen.query_one("#stream", DataTable)
        assert sorted(column(stream, 3)) == ["deny", "redact"]
        assert set(column(stream, 4)) == {"topics.forbidden", "privacy.pii_external"}
        assert screen.query_one("#m-deny", Metric).value == "50.0%"
        assert screen.query_one("#m-p50", Metric).value == "250 ms"
        ingest = str(screen.query_one("#ingest").render())
        assert re.search(r"received\s+2\n", ingest) and re.search(r"stored\s+2\n", ingest)
        assert receiver.http.endpoint in ingest
        # The one line an app runs to send here (the port is the one picked at start).
        port = receiver.http.port
        assert f"export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{port}" in ingest
    assert not receiver.running  # the app stopped what it started


async def test_a_port_in_use_is_reported_and_the_console_keeps_working(
    receiver: Receiver, live_store: SpanStore
) -> None:
    clash = Receiver(live_store, http_port=receiver.http.port, grpc_port=None)
    app = ConsoleApp(live_store, receiver=clash)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert not clash.running
        messages = [n.message for n in app._notifications]
        assert any(f"127.0.0.1:{receiver.http.port}" in m and "--port" in m for m in messages)
        assert isinstance(app.screen, LiveScreen)
        assert "not receiving" in str(app.screen.query_one("#ingest").render())
    assert receiver.running  # the other receiver was not disturbed
