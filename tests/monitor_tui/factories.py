"""Deterministic spans for the console's tests: fixed clock, fixed ids, seeded traffic."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import Any

from monitor_tui.ingest.records import SpanRecord

from charter import semconv

NOW = 1_767_225_600.0
"""2026-01-01T00:00:00Z: the fixed "now" of every console test."""
NOW_NS = int(NOW * 1e9)


def clock() -> float:
    return NOW


def call_span(
    index: int,
    *,
    end_ns: int,
    action: str = "allow",
    rules: Iterable[str] = (),
    app: str = "support-bot",
    model: str = "gpt-4o",
    version: str = "gpt-4o-2024-08-06",
    revision: str = "rev-a",
    input_tokens: int = 120,
    output_tokens: int = 80,
    call_ms: float = 300.0,
    finish: str = "stop",
    pii: Mapping[str, int] | None = None,
    signals: Mapping[str, float] | None = None,
    approval_state: str | None = None,
    trace_id: str | None = None,
    status_code: int = 0,
) -> SpanRecord:
    attrs: dict[str, Any] = {
        semconv.GEN_AI_OPERATION_NAME: "chat",
        semconv.GEN_AI_REQUEST_MODEL: model,
        semconv.GEN_AI_RESPONSE_MODEL: version,
        semconv.GEN_AI_USAGE_INPUT_TOKENS: input_tokens,
        semconv.GEN_AI_USAGE_OUTPUT_TOKENS: output_tokens,
        semconv.GEN_AI_RESPONSE_FINISH_REASONS: [finish],
        semconv.ACTION: action,
        semconv.RULES: list(rules),
        semconv.POLICY_REVISION: revision,
        semconv.APP: app,
        semconv.TENANT: "acme",
        semconv.ENVIRONMENT: "prod",
        semconv.CALL_MS: call_ms,
        semconv.LATENCY_MS: 1.5,
    }
    for entity, count in (pii or {}).items():
        attrs[semconv.PII_COUNT_PREFIX + entity] = count
    if pii:
        attrs[semconv.PII_TYPES] = sorted(pii)
    for name, score in (signals or {}).items():
        attrs[semconv.SIGNAL_PREFIX + name] = score
    if approval_state:
        attrs[semconv.APPROVAL_STATE] = approval_state
        attrs[semconv.APPROVAL_ID] = f"apr_{index:012x}"
    return SpanRecord(
        trace_id=trace_id or f"{index + 1:032x}",
        span_id=f"{index + 1:016x}",
        name=f"chat {model}",
        start_ns=end_ns - int(call_ms * 1e6),
        end_ns=end_ns,
        kind=3,
        status_code=status_code,
        service=app,
        attributes=attrs,
        resource={"service.name": app},
    )


def traffic(
    n: int,
    *,
    seed: int,
    end_s: float = NOW,
    spacing_s: float = 1.0,
    token_mu: float = 5.0,
    deny_rate: float = 0.05,
    version: str = "gpt-4o-2024-08-06",
    revision: str = "rev-a",
    app: str = "support-bot",
    model: str = "gpt-4o",
    first_index: int = 0,
) -> list[SpanRecord]:
    """`n` calls ending `spacing_s` apart up to `end_s`, with seeded, realistic variety."""
    rnd = random.Random(seed)
    spans = []
    for i in range(n):
        roll = rnd.random()
        if roll < deny_rate:
            action, rules = "deny", [rnd.choice(["topics.forbidden", "jailbreak.detected"])]
        elif roll < deny_rate + 0.15:
            action, rules = "redact", ["privacy.pii_external"]
        else:
            action, rules = "allow", []
        end_ns = int((end_s - (n - 1 - i) * spacing_s) * 1e9)
        spans.append(
            call_span(
                first_index + i,
                end_ns=end_ns,
                action=action,
                rules=rules,
                app=app,
                model=model,
                version=version,
                revision=revision,
                input_tokens=int(rnd.lognormvariate(token_mu, 0.5)),
                output_tokens=int(rnd.lognormvariate(4.5, 0.6)),
                call_ms=rnd.lognormvariate(5.5, 0.4),
                finish=rnd.choice(["stop", "stop", "stop", "length"]),
                pii={"EMAIL_ADDRESS": 1} if action == "redact" else None,
                signals={"jailbreak": round(rnd.betavariate(1, 12), 4)},
                trace_id=f"{rnd.getrandbits(128):032x}",
            )
        )
    return spans
