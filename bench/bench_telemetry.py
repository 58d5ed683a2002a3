"""Telemetry cost per guarded call, and decision-log writer throughput.

Telemetry floor: one bare OpenTelemetry SDK span with the same attributes and the same two
stage events, written by hand the cheapest way (attribute dicts built in advance, one
`set_attributes`). Charter writes one span per guarded call with its stages as events.
Both run on one SDK `TracerProvider` with a batch processor and an exporter that discards,
so export cost is equal and excluded. Measured twice: with the no-op meter provider (spans
only) and with an SDK meter provider, where the floor also makes the same counter and
histogram calls by hand. Target: ≤ 1.2x the floor.

Audit floor: inserting the same rows (already serialised, no hashing, no chain lock) with
`executemany` in batches of the same size on the same SQLite settings. Subject: records
per second from the first `AuditLog.record()` until `flush()` returns.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind
from sqlalchemy import insert

from bench._timing import compare_us, row
from charter import semconv as sc
from charter.audit import AuditLog
from charter.audit.record import PreparedRecord
from charter.decision import Action, Decision, Violation
from charter.policy.input import ModelRef, PIISummary, PolicyInput, UserRef
from charter.store import connect, migrate
from charter.store.decision_log import GENESIS_HASH, LOG
from charter.telemetry import Telemetry

DECISION = Decision(
    action=Action.REDACT,
    violations=(Violation(rule="privacy.pii_external", principle="GDPR art. 5"),),
    redact={"EMAIL_ADDRESS": "placeholder"},
    policy_revision="git:1a2b3c4",
    eval_ms=0.4,
)
SUMMARIES = (
    PIISummary(type="EMAIL_ADDRESS", score=0.99, count=1),
    PIISummary(type="CREDIT_CARD", score=1.0, count=1),
)
SIGNALS = {"jailbreak": 0.05, "prompt_injection": 0.0}
IDENTITY = {sc.APP: "support-bot", sc.TENANT: "acme", sc.ENVIRONMENT: "prod"}
METRIC_BASE = {"app": "support-bot", "tenant": "acme", "environment": "prod"}


class _Discard(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _provider() -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(_Discard(), max_queue_size=8192))
    return provider


def _ours(telemetry: Telemetry) -> None:
    with telemetry.call(operation="chat", provider="openai", model="gpt-4o", user="u-7f3a") as c:
        with c.stage(sc.SPAN_PII):
            c.record_pii(SUMMARIES)
        with c.stage(sc.SPAN_POLICY):
            c.record_decision(DECISION)
        c.record_signals(SIGNALS)
        c.record_usage(812, 64, ("stop",))


def _by_hand(tracer_provider: TracerProvider, meter_provider: metrics.MeterProvider) -> Any:
    """The same spans, attributes and metric calls written directly against the SDK."""
    tracer = tracer_provider.get_tracer("bare")
    meter = meter_provider.get_meter("bare")
    decisions = meter.create_counter(sc.METRIC_DECISIONS)
    rule_hits = meter.create_counter(sc.METRIC_RULE_HITS)
    redactions = meter.create_counter(sc.METRIC_REDACTIONS)
    call_duration = meter.create_histogram(sc.METRIC_LATENCY)
    stage_duration = meter.create_histogram(sc.METRIC_STAGE_DURATION)
    start = {
        sc.GEN_AI_OPERATION_NAME: "chat",
        sc.GEN_AI_PROVIDER_NAME: "openai",
        sc.GEN_AI_REQUEST_MODEL: "gpt-4o",
        **IDENTITY,
        sc.USER: "u-7f3a",
    }
    policy_stage = {
        sc.STAGE_ACTION: "redact",
        sc.STAGE: "input",
        sc.DECISION_ID: DECISION.decision_id,
        sc.RULES: DECISION.rules,
    }
    end = {
        sc.PII_TYPES: ("CREDIT_CARD", "EMAIL_ADDRESS"),
        sc.PII_COUNT: 2,
        sc.PII_COUNT_PREFIX + "EMAIL_ADDRESS": 1,
        sc.PII_COUNT_PREFIX + "CREDIT_CARD": 1,
        sc.POLICY_REVISION: DECISION.policy_revision,
        sc.SIGNAL_PREFIX + "jailbreak": 0.05,
        sc.SIGNAL_PREFIX + "prompt_injection": 0.0,
        sc.GEN_AI_USAGE_INPUT_TOKENS: 812,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS: 64,
        sc.GEN_AI_RESPONSE_FINISH_REASONS: ("stop",),
        sc.ACTION: "redact",
        sc.DECISION_ID: DECISION.decision_id,
        sc.RULES: DECISION.rules,
        sc.PRINCIPLES: DECISION.principles,
        sc.LATENCY_MS: 0.1,
    }
    labels_decision = {
        **METRIC_BASE,
        "action": "redact",
        "stage": "input",
        "rule": "privacy.pii_external",
    }
    labels_rule = {
        **METRIC_BASE,
        "rule": "privacy.pii_external",
        "action": "redact",
        "stage": "input",
    }
    labels_email = {**METRIC_BASE, "entity_type": "EMAIL_ADDRESS"}
    labels_card = {**METRIC_BASE, "entity_type": "CREDIT_CARD"}
    labels_call = {**METRIC_BASE, "operation": "chat", "action": "redact"}
    labels_pii = {**METRIC_BASE, "stage": sc.SPAN_PII}
    labels_policy = {**METRIC_BASE, "stage": sc.SPAN_POLICY}
    now = time.perf_counter_ns

    def bare() -> None:
        t0 = now()
        with tracer.start_as_current_span(
            "chat gpt-4o",
            kind=SpanKind.CLIENT,
            attributes=start,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            t1 = now()
            redactions.add(1, labels_email)
            redactions.add(1, labels_card)
            elapsed = (now() - t1) / 1e6
            span.add_event(sc.SPAN_PII, {sc.STAGE_DURATION_MS: elapsed})
            stage_duration.record(elapsed, labels_pii)
            t1 = now()
            decisions.add(1, labels_decision)
            rule_hits.add(1, labels_rule)
            elapsed = (now() - t1) / 1e6
            span.add_event(sc.SPAN_POLICY, {**policy_stage, sc.STAGE_DURATION_MS: elapsed})
            stage_duration.record(elapsed, labels_policy)
            span.set_attributes(end)
        call_duration.record((now() - t0) / 1e6, labels_call)

    return bare


def _telemetry_rows() -> list[dict[str, object]]:
    rows = []
    for label, meter_provider in (
        ("spans only (no-op meter)", metrics.NoOpMeterProvider()),
        ("spans + SDK metrics", MeterProvider(metric_readers=[InMemoryMetricReader()])),
    ):
        tracer_provider = _provider()
        telemetry = Telemetry(
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            app="support-bot",
            tenant="acme",
            environment="prod",
        )
        ours_us, bare_us = compare_us(
            lambda t=telemetry: _ours(t),
            _by_hand(tracer_provider, meter_provider),
            n=2000,
            rounds=7,
        )
        rows.append(
            row(f"one bare OTel SDK span, same attributes + events — {label}", bare_us, "µs/call")
        )
        rows.append(
            row(
                f"charter Telemetry per guarded call — {label}",
                ours_us,
                "µs/call",
                floor=bare_us,
                target="≤ 1.2x",
            )
        )
        tracer_provider.shutdown()
    return rows


def _audit_rows(records: int = 20_000, batch: int = 256) -> list[dict[str, object]]:
    workdir = tempfile.mkdtemp(prefix="charter-bench-audit-")
    try:
        policy_input = PolicyInput(
            app="support-bot",
            tenant="acme",
            environment="prod",
            user=UserRef(id="u-7f3a"),
            model=ModelRef(provider="openai", name="gpt-4o"),
            text="Hi, my card <CREDIT_CARD_1> was charged twice, email me at <EMAIL_ADDRESS_1>.",
            pii=SUMMARIES,
            signals=SIGNALS,
        )
        labels = {"app": "support-bot", "tenant": "acme", "environment": "prod"}

        # Floor: the same rows, serialised in advance, plain batched inserts.
        engine = connect(f"sqlite:///{workdir}/floor.db")
        migrate(engine)
        prepared = PreparedRecord.build(
            DECISION,
            policy_input.to_dict(),
            timestamp=datetime.now(UTC),
            trace_id="a" * 32,
            span_id="b" * 16,
            labels=labels,
        )
        rows = [{**prepared.seal(0, GENESIS_HASH), "seq": i + 1} for i in range(records)]
        t0 = time.perf_counter()
        for start in range(0, records, batch):
            with engine.begin() as conn:
                conn.execute(insert(LOG), rows[start : start + batch])
        floor_rate = records / (time.perf_counter() - t0)
        engine.dispose()

        log = AuditLog(f"sqlite:///{workdir}/audit.db", max_queue=records, batch=batch)
        t0 = time.perf_counter()
        for _ in range(records):
            log.record(DECISION, policy_input, trace_id="a" * 32, span_id="b" * 16, labels=labels)
        enqueue_s = time.perf_counter() - t0
        log.flush(120)
        rate = records / (time.perf_counter() - t0)
        assert log.stats.written == records and log.stats.dropped == 0
        log.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return [
        row("plain batched INSERT of the same rows (SQLite)", floor_rate, "records/s"),
        {
            "name": "AuditLog writer throughput (SQLite, hash chain)",
            "value": rate,
            "unit": "records/s",
            "floor": floor_rate,
            "ratio": floor_rate / rate,
            "target": "(floor/value: cost of chaining)",
        },
        row("AuditLog.record() on the caller's thread", enqueue_s / records * 1e6, "µs/record"),
    ]


def _auto_setup_rows(n: int = 1000, rounds: int = 9) -> list[dict[str, object]]:
    """Tracing on by configuration (an OTLP endpoint, no `setup()` call) against the same
    exporter installed explicitly. Both arms export over OTLP/HTTP to one real console
    receiver (`charter monitor serve`, its own process), so only how the provider came to be
    differs. Rounds alternate and each arm's batch is flushed outside the timed loop, so
    neither pays for the other's export. Needs the process-wide provider unset, as in an
    application that never configured OpenTelemetry."""
    import statistics
    import subprocess
    import sys
    from pathlib import Path

    from opentelemetry import trace

    from charter import Charter, Settings
    from charter.telemetry import build_tracer_provider

    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        return [row("auto-setup vs explicit setup: skipped (a provider is installed)", 0, "")]
    serve = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("charter")),
            "monitor",
            "serve",
            "--port",
            "0",
            "--no-grpc",
            "--spans",
            ":memory:",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    identity = {"app": "support-bot", "tenant": "acme", "environment": "prod"}
    try:
        assert serve.stdout is not None
        first = serve.stdout.readline()
        endpoint = first.split("OTLP/HTTP ", 1)[1].split("/v1/traces", 1)[0]
        explicit_provider = build_tracer_provider(endpoint, service_name="support-bot")
        explicit = Telemetry(tracer_provider=explicit_provider, **identity)
        charter = Charter(Settings(otlp_endpoint=endpoint, audit=False, **identity))
        auto = charter.telemetry  # from_configuration built this Charter's provider
        auto_provider = auto.tracer_provider
        assert isinstance(auto_provider, TracerProvider)
        samples: dict[str, list[float]] = {"auto": [], "explicit": []}
        arms = (("explicit", explicit, explicit_provider), ("auto", auto, auto_provider))
        for i in range(rounds + 1):
            for name, telemetry, provider in arms if i % 2 else arms[::-1]:
                t0 = time.perf_counter()
                for _ in range(n):
                    _ours(telemetry)
                elapsed = (time.perf_counter() - t0) / n * 1e6
                provider.force_flush()
                if i:  # the first round warms up
                    samples[name].append(elapsed)
        explicit_provider.shutdown()
        charter.close()  # shuts its provider down before the receiver below stops
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    auto_us, explicit_us = (
        statistics.median(samples["auto"]),
        statistics.median(samples["explicit"]),
    )
    return [
        row(
            "Telemetry per call, provider from explicit setup (OTLP to the console)",
            explicit_us,
            "µs/call",
        ),
        row(
            "Telemetry per call, provider from configuration (OTEL endpoint, no setup())",
            auto_us,
            "µs/call",
            floor=explicit_us,
            target="≤ 1.05x",
        ),
    ]


def run() -> list[dict[str, object]]:
    return _telemetry_rows() + _auto_setup_rows() + _audit_rows()


if __name__ == "__main__":
    for r in run():
        print(r)
