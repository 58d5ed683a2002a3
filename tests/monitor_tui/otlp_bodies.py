"""OTLP request bodies made by the real OpenTelemetry SDK encoder, and a by-the-spec
OTLP/JSON document (hex ids, lowerCamelCase keys, enum numbers)."""

from __future__ import annotations

import json
import time
from typing import Any

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter import semconv


def sdk_spans(
    n: int, *, action: str = "allow", extra: dict[str, Any] | None = None
) -> list[ReadableSpan]:
    """`n` finished call spans, each with a child policy span, from a real TracerProvider."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("charter")
    for i in range(n):
        with tracer.start_as_current_span("chat gpt-4o") as span:
            span.set_attribute(semconv.ACTION, action)
            span.set_attribute(semconv.GEN_AI_OPERATION_NAME, "chat")
            span.set_attribute(semconv.GEN_AI_REQUEST_MODEL, "gpt-4o")
            span.set_attribute(semconv.GEN_AI_USAGE_INPUT_TOKENS, 100 + i)
            span.set_attribute(semconv.RULES, ["privacy.pii_external"] if action != "allow" else [])
            span.set_attribute(semconv.APP, "support-bot")
            for key, value in (extra or {}).items():
                span.set_attribute(key, value)
            with tracer.start_as_current_span(semconv.SPAN_POLICY):
                pass
    provider.shutdown()
    return list(memory.get_finished_spans())


def protobuf_body(n: int, **kwargs: Any) -> bytes:
    data: bytes = encode_spans(sdk_spans(n, **kwargs)).SerializeToString()
    return data


def with_call_attribute(body: bytes, key: str, value: AnyValue, *, call: int = 0) -> bytes:
    """`body` with attribute `key` of its `call`-th call span (one with a decision action)
    set to `value`: what a buggy or foreign exporter sends, which the SDK never would."""
    request = ExportTraceServiceRequest.FromString(body)
    spans = request.resource_spans[0].scope_spans[0].spans
    calls = [s for s in spans if any(kv.key == semconv.ACTION for kv in s.attributes)]
    target = calls[call]
    for kv in target.attributes:
        if kv.key == key:
            kv.value.CopyFrom(value)
            break
    else:
        target.attributes.add(key=key).value.CopyFrom(value)
    data: bytes = request.SerializeToString()
    return data


TRACE_ID = "5b8efff798038103d269b633813fc60c"
SPAN_ID = "eee19b7ec3c1b174"
PARENT_ID = "eee19b7ec3c1b173"


def json_doc(**span_overrides: Any) -> dict[str, Any]:
    end_ns = time.time_ns()
    span: dict[str, Any] = {
        "traceId": TRACE_ID,
        "spanId": SPAN_ID,
        "parentSpanId": PARENT_ID,
        "name": "chat gpt-4o",
        "kind": 3,
        "startTimeUnixNano": str(end_ns - 250_000_000),
        "endTimeUnixNano": str(end_ns),
        "attributes": [
            {"key": semconv.ACTION, "value": {"stringValue": "deny"}},
            {"key": semconv.GEN_AI_USAGE_INPUT_TOKENS, "value": {"intValue": "42"}},
            {"key": semconv.CALL_MS, "value": {"doubleValue": 250.5}},
            {"key": semconv.PROBE_IS_BASELINE, "value": {"boolValue": False}},
            {
                "key": semconv.RULES,
                "value": {"arrayValue": {"values": [{"stringValue": "topics.forbidden"}]}},
            },
        ],
        "status": {"code": 2, "message": "refused"},
    }
    span.update(span_overrides)
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "bot"}}]
                },
                "scopeSpans": [{"scope": {"name": "charter"}, "spans": [span]}],
            }
        ]
    }


def json_body(**span_overrides: Any) -> bytes:
    return json.dumps(json_doc(**span_overrides)).encode()


def array_value(*strings: str) -> AnyValue:
    return AnyValue(array_value=ArrayValue(values=[AnyValue(string_value=v) for v in strings]))
