"""Over-caution drift end to end: a guarded model that starts refusing more shows in the
console's drift report as the response side's `refusal` score, pointed at the model, while
the guard's decisions stay the same (the model's own refusals pass the output stage).
Real parts: the guard with its default signals and the shipped policy, the OTel SDK's
spans encoded as OTLP protobuf, the console's decoder and drift statistics."""

from __future__ import annotations

import random

import pytest
from monitor_tui.drift import DriftReport, DriftSeverity, compare
from monitor_tui.drift_features import source_of
from monitor_tui.ingest import otlp
from monitor_tui.ingest.records import SpanRecord
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter.config import Settings
from charter.guard import Charter
from charter.telemetry import Telemetry

ANSWERS = [
    "Our branches are open from 9:00 to 17:00 on weekdays.",
    "You can reset your card PIN in the mobile app under Cards > Security.",
    "A standing order can be changed up to one day before it runs.",
    "Transfers between your own accounts arrive immediately.",
]
REFUSALS = [
    "I'm sorry, but I can't help with that.",
    "Sorry, but I can't assist with that.",
    "I'm sorry, but I cannot help with this request.",
]


def _records(refusal_rate: float, seed: int, n: int = 240) -> list[SpanRecord]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings = Settings.build({"pii_mode": "off", "audit": False, "app": "support-bot"})
    telemetry = Telemetry(
        tracer_provider=provider, app="support-bot", tenant="t", environment="test"
    )
    charter = Charter(settings, telemetry=telemetry)
    rnd = random.Random(seed)
    try:

        @charter.guard(model="gpt-4o", provider="openai")
        def model(prompt: str) -> str:
            return rnd.choice(REFUSALS if rnd.random() < refusal_rate else ANSWERS)

        for i in range(n):
            model(f"Question {i} about my account")
    finally:
        charter.close()
    body = encode_spans(exporter.get_finished_spans()).SerializeToString()
    return otlp.decode(body, otlp.PROTOBUF).records


@pytest.fixture(scope="module")
def report() -> DriftReport:
    return compare(_records(0.05, seed=1), _records(0.4, seed=2))


def test_a_model_that_refuses_more_is_flagged_on_the_response_side(report: DriftReport) -> None:
    (segment,) = report.segments
    refusal = next(f for f in segment.features if f.feature == "response_signal.refusal")
    assert refusal.severity in (DriftSeverity.WARN, DriftSeverity.ALERT)
    assert source_of(refusal.feature) == "model"


def test_the_guards_decisions_did_not_change(report: DriftReport) -> None:
    (segment,) = report.segments
    decision = next(f for f in segment.features if f.feature == "decision")
    assert decision.severity is DriftSeverity.OK
    assert dict(zip(decision.labels, decision.current, strict=True)) == {"allow": 1.0}
