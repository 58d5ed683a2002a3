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
    response_signals: Mapping[str, float] | None = None,
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
    for name, score in (response_signals or {}).items():
        attrs[semconv.RESPONSE_SIGNAL_PREFIX + name] = score
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


def probe_run_span(
    index: int,
    *,
    end_ns: int,
    refused_attacks: int = 60,
    refused_benign: int = 3,
    flipped: int = 5,
    drift: float | None = None,
    baseline: Mapping[str, int] | None = None,
    baseline_version: str = "",
    version: str = "bank-assistant-2025-01",
    model: str = "bank-assistant",
    target: str = "support_bot.app:answer",
    app: str = "support-bot",
    errors: int = 0,
    items: int | None = None,
) -> SpanRecord:
    """A `charter.probe` run span as `charter probe` sends it: counts, and the baseline's
    (`items`: the probes it asked, when given)."""
    counts: dict[str, Any] = {
        "attack_items": 70,
        "refused_attacks": refused_attacks,
        "benign_items": 97,
        "refused_benign": refused_benign,
        "eligible_pairs": 31,
        "flipped_pairs": flipped,
        "drift_items": 140 if drift is not None else 0,
        "errors": errors,
    }
    if drift is not None:
        counts["drift"] = drift
    attrs: dict[str, Any] = {
        semconv.PROBE_RUN_ID: f"run{index:04d}",
        semconv.PROBE_TARGET: target,
        semconv.PROBE_MODEL: model,
        semconv.PROBE_MODEL_VERSION: version,
        semconv.APP: app,
        semconv.PROBE_IS_BASELINE: baseline is None,
    }
    if items is not None:
        attrs[semconv.PROBE_ITEMS] = items
    attrs.update({semconv.PROBE_METRIC_PREFIX + k: v for k, v in counts.items()})
    if baseline is not None:
        base = {**counts, "drift_items": 0, **baseline}
        base.pop("drift", None)
        attrs.update({semconv.PROBE_BASELINE_METRIC_PREFIX + k: v for k, v in base.items()})
        attrs[semconv.PROBE_BASELINE_RUN_ID] = "run0000"
        attrs[semconv.PROBE_BASELINE_VERSION] = baseline_version or version
    return SpanRecord(
        trace_id=f"{0xABC000 + index:032x}",
        span_id=f"{0xABC000 + index:016x}",
        name=semconv.SPAN_PROBE,
        start_ns=end_ns - 6 * 10**9,
        end_ns=end_ns,
        service=app,
        attributes=attrs,
        resource={"service.name": app},
    )


def probe_history(*, updated_at: int = 6, runs: int = 8) -> list[SpanRecord]:
    """A probe run every 6 hours; from run `updated_at` on, the model behind the same name
    refuses more, gives in to pushback and answers differently (a silent update)."""
    base = {"refused_attacks": 60, "refused_benign": 3, "flipped_pairs": 5}
    spans = []
    for i in range(runs):
        end_ns = NOW_NS - (runs - 1 - i) * 6 * 3600 * 10**9 - 60 * 10**9
        if i == 0:
            spans.append(probe_run_span(i, end_ns=end_ns))
        elif i < updated_at:
            spans.append(
                probe_run_span(
                    i,
                    end_ns=end_ns,
                    refused_benign=3 + i % 2,
                    flipped=5 + i % 3 - 1,
                    drift=0.03 + 0.01 * (i % 3),
                    baseline=base,
                )
            )
        else:
            spans.append(
                probe_run_span(
                    i,
                    end_ns=end_ns,
                    refused_attacks=63,
                    refused_benign=33,
                    flipped=20,
                    drift=0.34,
                    baseline=base,
                    version="bank-assistant-2025-06",
                    baseline_version="bank-assistant-2025-01",
                )
            )
    return spans
