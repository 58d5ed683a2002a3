"""Spans the SDK sampled before sending: the console counts each kept allowed call for the
ones it stands for, so its rates estimate the traffic, not the kept mix."""

from __future__ import annotations

import time
from dataclasses import replace

from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.records import STATUS_ERROR, sender_weight
from monitor_tui.ingest.sampling import Sampler
from monitor_tui.ingest.store import SpanStore
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from charter import semconv
from charter.decision import Action, Decision, Violation
from charter.telemetry import DecisionSamplingProcessor, Telemetry
from tests.monitor_tui.factories import NOW_NS, call_span
from tests.telemetry.test_sampling import SAMPLED, UNSAMPLED, ChosenTraceIds


def test_the_console_weighs_allowed_calls_the_sdk_sampled(
    receiver: Receiver, live_store: SpanStore
) -> None:
    # Traffic: 8 allowed calls and 2 denied. The SDK keeps a quarter of the allowed (2 of
    # 8 fall in its share here) and both denials; the console must read 8 and 2, not 2 and 2.
    ids = ChosenTraceIds()
    provider = TracerProvider(id_generator=ids)
    exporter = SimpleSpanProcessor(OTLPSpanExporter(endpoint=receiver.http.endpoint))
    provider.add_span_processor(DecisionSamplingProcessor(exporter, allow_rate=0.25))
    telemetry = Telemetry(tracer_provider=provider, app="bot", tenant="t", environment="e")
    allowed = Decision(action=Action.ALLOW)
    denied = Decision(action=Action.DENY, violations=(Violation(rule="topics.forbidden"),))
    calls = [(allowed, SAMPLED)] * 2 + [(allowed, UNSAMPLED)] * 6
    calls += [(denied, UNSAMPLED)] * 2
    for decision, low in calls:
        ids.next_low_bits = low
        with telemetry.call(operation="chat", provider="p", model="m", user="u") as call:
            call.record_decision(decision)
    provider.shutdown()
    assert receiver.pipeline.flush()
    now = time.time_ns()
    summary = live_store.window_summary(now - 600 * 10**9, now + 1)
    assert summary.actions == {"allow": 8.0, "deny": 2.0}


def test_a_console_sampling_on_top_keeps_the_lower_rate() -> None:
    """Both samplers test the same trace-id bits, so what the SDK kept at 0.25 passes a
    console rate of 0.5 whole: its weight stays 4, not 2."""
    sent = replace(call_span(1, end_ns=NOW_NS, trace_id="0" * 32), weight=4.0)
    assert [r.weight for r in Sampler(0.5).select([sent])] == [4.0]
    assert [r.weight for r in Sampler(0.5).select([replace(sent, weight=1.0)])] == [2.0]


def test_only_an_allowed_call_with_a_usable_rate_stands_for_more() -> None:
    attributes = {semconv.ACTION: "allow", semconv.SAMPLED_ALLOW_RATE: 0.25}
    assert sender_weight(attributes, status_code=0) == 4.0
    assert sender_weight({**attributes, semconv.ACTION: "deny"}, 0) == 1.0
    assert sender_weight(attributes, status_code=STATUS_ERROR) == 1.0  # the SDK keeps all
    for odd in (True, "0.25", 0.0, 1.0, float("nan"), 1e-12, -0.5, [0.25]):
        assert sender_weight({**attributes, semconv.SAMPLED_ALLOW_RATE: odd}, 0) == 1.0
