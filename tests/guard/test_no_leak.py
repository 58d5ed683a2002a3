"""The leak test on the whole guard: prompts full of PII through sync, async and streaming
calls and tools, with telemetry (spans + metrics, content recording opted in), logs and the
decision log all on. No original value may appear in any span attribute or event, metric
label, log line, exception message or database row."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import create_engine, inspect, text

from charter.config import DEFAULT_POLICIES, Settings
from charter.errors import CharterError
from charter.guard import Charter
from charter.telemetry import Telemetry

VALUES = [
    "ayse.yilmaz@example.com",
    "john.smith@corp.example",
    "10000000146",
    "4111 1111 1111 1111",
    "+90 532 123 45 67",
    "212-555-0199",
    "TR33 0006 1005 1978 6457 8413 26",
    "John Smith",
]
PROMPTS = [
    "Hi, this is John Smith, mail me at ayse.yilmaz@example.com or call +90 532 123 45 67.",
    "My TC kimlik no is 10000000146, please update my address.",
    "Refund card 4111 1111 1111 1111 to IBAN TR33 0006 1005 1978 6457 8413 26 please.",
    "Contact john.smith@corp.example or 212-555-0199 about my card 4111 1111 1111 1111.",
]


def _needles() -> list[str]:
    out = set()
    for v in VALUES:
        out.add(v.lower())
        digits = re.sub(r"\D", "", v)
        if len(digits) >= 7:
            out.add(digits)
    return sorted(out)


def _leaks(blob: str) -> list[str]:
    low = blob.lower()
    squashed = re.sub(r"\D", "", blob)
    return [n for n in _needles() if n in low or (n.isdigit() and n in squashed and len(n) > 9)]


@pytest.mark.slow
def test_nothing_leaks_from_the_guard(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    telemetry = Telemetry(
        tracer_provider=provider,
        meter_provider=MeterProvider(metric_readers=[reader]),
        record_content=True,
        app="leak",
        tenant="t",
        environment="test",
    )
    db = tmp_path / "c.db"
    charter = Charter(
        Settings.build(
            {
                "policies": str(DEFAULT_POLICIES),
                "store_url": f"sqlite:///{db}",
                "pii_mode": "spacy",
                "on_deny": "raise",
                "record_content": True,
            }
        ),
        telemetry=telemetry,
    )
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def ask(prompt: str) -> str:
        return f"You wrote: {prompt}"  # the model echoes what it got (redacted)

    @charter.guard(model="gpt-4o-mini", provider="openai")
    async def aask(prompt: str) -> str:
        return f"Echo: {prompt}"

    @charter.guard(model="gpt-4o-mini", provider="openai")
    def stream(prompt: str):  # type: ignore[no-untyped-def]
        for i in range(0, len(prompt), 9):
            yield prompt[i : i + 9]

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float, note: str) -> str:
        return f"refunded {amount} ({note})"

    for prompt in PROMPTS:
        for call in (ask, lambda p: asyncio.run(aask(p)), lambda p: "".join(stream(p))):
            try:
                call(prompt)
            except CharterError as exc:
                errors.append(str(exc))
                errors.append(repr(exc))
        try:
            issue_refund("A-1", 900.0, prompt)
        except CharterError as exc:
            errors.append(str(exc))
    charter.audit.flush(timeout=30)
    charter.close()
    provider.force_flush()

    finished = spans.get_finished_spans()
    assert finished, "telemetry recorded nothing"
    assert any(s.attributes.get("charter.prompt.redacted") for s in finished)
    for span in finished:
        blob = (
            repr(dict(span.attributes or {}))
            + repr([(e.name, dict(e.attributes or {})) for e in span.events])
            + span.name
        )
        assert not _leaks(blob), (span.name, _leaks(blob))
    metrics = reader.get_metrics_data()
    assert not _leaks(metrics.to_json()), _leaks(metrics.to_json())
    # Per message: digits squashed across unrelated lines made a card number out of
    # migration ids ("0004_...") followed by presidio's "a total of 1 recognizers".
    assert not [leak for r in caplog.records for leak in _leaks(r.getMessage())]
    assert errors and not _leaks("\n".join(errors)), _leaks("\n".join(errors))
    engine = create_engine(f"sqlite:///{db}")
    rows = 0
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                rows += 1
                assert not _leaks(repr(tuple(row))), (name, _leaks(repr(tuple(row))))
    assert rows > len(PROMPTS) * 3
