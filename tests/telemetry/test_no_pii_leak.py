"""The leak test: prompts full of PII go through telemetry (spans, metrics, real OTLP export,
opted-in content), logs and the decision log the way the guard drives them, with the real
shipped policy deciding. No original value may appear anywhere.

The guard is not wired in yet; this drives `Telemetry` and `AuditLog` exactly as the guard
will (redact first, then evaluate the redacted input, then record). The lead extends it to
the full guard.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import inspect, select, table, text

from charter import semconv as sc
from charter.audit import AuditLog, export, verify
from charter.config import DEFAULT_POLICIES
from charter.decision import Action, Stage
from charter.errors import CharterError, ConfigurationError, PolicyViolation
from charter.policy.embedded import EmbeddedEngine
from charter.policy.input import ModelRef, PIISummary, PolicyInput, UserRef
from charter.store import connect
from charter.telemetry import Telemetry, safe_user
from tests.telemetry.otlp_receiver import Receiver, running_receiver

# Values that must never leave: entity type -> values (all syntactically valid).
PII: dict[str, list[str]] = {
    "EMAIL_ADDRESS": ["ayse.yilmaz@example.com", "john.smith@corp.example"],
    "TR_NATIONAL_ID": ["10000000146", "12345678950"],
    "CREDIT_CARD": ["4111 1111 1111 1111", "5500-0000-0000-0004"],
    "PHONE_NUMBER": ["+90 532 123 45 67", "212-555-0199"],
    "PERSON": ["Ayşe Yılmaz", "John Smith"],
    "IBAN_CODE": ["TR33 0006 1005 1978 6457 8413 26"],
}
PROMPTS = [
    "Hi, I am Ayşe Yılmaz, mail me at ayse.yilmaz@example.com or call +90 532 123 45 67.",
    "My TC kimlik no is 10000000146, please update my address.",
    "Refund card 4111 1111 1111 1111 to IBAN TR33 0006 1005 1978 6457 8413 26, John Smith",
    "Contact john.smith@corp.example / 212-555-0199, card 5500-0000-0000-0004, TCKN 12345678950",
]
USER_EMAIL = "ayse.yilmaz@example.com"  # a careless caller passes the e-mail as the user


def _needles() -> list[str]:
    """Every value, plus its digits-only and lowercase forms (normalised copies leak too)."""
    found = set()
    for values in PII.values():
        for value in values:
            found.add(value.lower())
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 7:
                found.add(digits)
    return sorted(found)


def redact(prompt: str) -> tuple[str, tuple[PIISummary, ...]]:
    """Stand-in for charter.pii: placeholders per type, summaries of types and counts."""
    counts: dict[str, int] = {}
    for entity_type, values in PII.items():
        for value in values:
            if value in prompt:
                counts[entity_type] = counts.get(entity_type, 0) + 1
                prompt = prompt.replace(value, f"<{entity_type}_{counts[entity_type]}>")
    summaries = tuple(PIISummary(type=t, score=0.99, count=n) for t, n in counts.items())
    return prompt, summaries


class ModelBackendError(Exception):
    """What a real model client raises: its message quotes the request."""


def fake_model(redacted_prompt: str, original: str, fail: bool) -> str:
    if fail:
        raise ModelBackendError(f"upstream rejected request: {original!r}")
    return f"Thanks, I noted: {redacted_prompt}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


def test_no_original_value_reaches_any_sink(
    tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    spans_out = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans_out))
    tracer_provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{receiver.url}/v1/traces"))
    )
    metrics_in = InMemoryMetricReader()
    telemetry = Telemetry(
        tracer_provider=tracer_provider,
        meter_provider=MeterProvider(metric_readers=[metrics_in]),
        record_content=True,  # the strongest case: content on, yet only redacted text
        app="support-bot",
        tenant="acme",
        environment="prod",
    )
    store_url = f"sqlite:///{tmp_path / 'charter.db'}"
    audit = AuditLog(store_url, max_queue=3, batch=2)
    policy = EmbeddedEngine(DEFAULT_POLICIES)
    charter_errors: list[str] = []
    actions: set[Action] = set()

    caplog.set_level(logging.DEBUG)
    for round_ in range(3):  # enough traffic to overflow the tiny audit queue
        for index, prompt in enumerate(PROMPTS):
            fail = index == 0 and round_ == 0
            try:
                with telemetry.call(
                    operation="chat", provider="openai", model="gpt-4o", user=USER_EMAIL
                ) as call:
                    with call.stage(sc.SPAN_PII):
                        redacted, summaries = redact(prompt)
                        call.record_pii(summaries)
                    policy_input = PolicyInput(
                        stage=Stage.INPUT,
                        app="support-bot",
                        tenant="acme",
                        environment="prod",
                        user=UserRef(id=safe_user(USER_EMAIL)),
                        model=ModelRef(provider="openai", name="gpt-4o"),
                        text=redacted,
                        pii=summaries,
                        signals={"jailbreak": 0.1},
                    )
                    with call.stage(sc.SPAN_POLICY):
                        decision = policy.evaluate(policy_input)
                        call.record_decision(decision)
                    actions.add(decision.action)
                    audit.record(
                        decision,
                        policy_input,
                        trace_id=call.trace_id,
                        span_id=call.span_id,
                        labels={"app": "support-bot", "tenant": "acme", "environment": "prod"},
                    )
                    if decision.action is Action.DENY:
                        raise PolicyViolation(decision)
                    answer = fake_model(redacted, prompt, fail)
                    call.record_content(redacted, answer)
                    call.record_usage(len(redacted) // 4, len(answer) // 4, ["stop"])
            except CharterError as exc:
                charter_errors.append(str(exc))
            except ModelBackendError:
                pass  # the application's own error; its span must not quote it
    audit.flush(30)
    audit.close()
    audit.record(decision, policy_input)  # after close: written late, and logged
    tracer_provider.force_flush(10_000)
    receiver.wait_for_spans(len(spans_out.get_finished_spans()))

    assert {Action.DENY, Action.REDACT} <= actions, "the policy must exercise deny and redact"
    assert charter_errors, "a deny must have raised PolicyViolation"
    assert audit.stats.written > 0
    assert verify(store_url).ok
    assert any(r.name == "charter.audit" for r in caplog.records), "the log path must run"

    sinks: dict[str, str] = {
        "spans": "\n".join(s.to_json() for s in spans_out.get_finished_spans()),
        "otlp wire": "\n".join(str(request) for request in receiver.traces),
        "metrics": metrics_in.get_metrics_data().to_json(),
        "logs": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
        "charter exceptions": "\n".join(charter_errors),
        "database": _dump_database(store_url),
        "export": "\n".join(str(line) for line in export(store_url)),
    }
    assert "<EMAIL_ADDRESS_1>" in sinks["spans"]  # opted-in content is there, redacted
    assert "TR_NATIONAL_ID" in sinks["database"]  # types are there, values are not
    leaks = [
        f"{needle!r} in {where}"
        for where, haystack in sinks.items()
        for needle in _needles()
        if needle in haystack.lower()
    ]
    assert leaks == []


def _dump_database(url: str) -> str:
    """Every row of every table, as text."""
    engine = connect(url)
    lines = []
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            columns = [c["name"] for c in inspect(conn).get_columns(name)]
            query = select(*(text(f'"{c}"') for c in columns)).select_from(table(name))
            lines += [repr(tuple(row)) for row in conn.execute(query)]
    engine.dispose()
    return "\n".join(lines)


@pytest.mark.parametrize("user", [None, 12345, ["u-1"], b"u-1"])
def test_safe_user_takes_a_user_id_as_a_str(user: object) -> None:
    """Found by probing: `safe_user(None)` raised AttributeError from inside, a list
    TypeError (unhashable, from the memo)."""
    with pytest.raises(ConfigurationError, match=r"safe_user takes a user id, a str \(got "):
        safe_user(user)  # type: ignore[arg-type]
    assert safe_user(USER_EMAIL).startswith("h-") and safe_user("u-7f3a") == "u-7f3a"
