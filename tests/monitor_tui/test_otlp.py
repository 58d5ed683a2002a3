"""Decoding OTLP trace payloads: protobuf from the real SDK encoder, OTLP/JSON by the spec,
compression, and clear errors for everything else."""

from __future__ import annotations

import gzip
import json
import math
import time
import zlib

import pytest
from monitor_tui.ingest import otlp
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter import semconv
from charter.errors import IngestError
from tests.monitor_tui.otlp_bodies import (
    PARENT_ID,
    SPAN_ID,
    TRACE_ID,
    json_body,
    json_doc,
    protobuf_body,
    sdk_spans,
    with_call_attribute,
)


def test_protobuf_from_the_sdk_decodes_every_span_with_attributes() -> None:
    spans = sdk_spans(3, action="deny")
    batch = otlp.decode(protobuf_body(3, action="deny"), otlp.PROTOBUF)
    assert batch.rejected == 0
    assert len(batch.records) == len(spans) == 6  # 3 calls + 3 policy children
    calls = [r for r in batch.records if r.is_call]
    assert len(calls) == 3
    assert {r.attributes[semconv.GEN_AI_USAGE_INPUT_TOKENS] for r in calls} == {100, 101, 102}
    assert all(r.action == "deny" and r.rules == ("privacy.pii_external",) for r in calls)
    assert all(r.service == "support-bot" for r in batch.records)
    children = [r for r in batch.records if r.name == semconv.SPAN_POLICY]
    parents = {r.span_id for r in calls}
    assert {c.parent_span_id for c in children} == parents


def test_sdk_ids_round_trip_as_hex() -> None:
    spans = sdk_spans(2)
    records = otlp.decode(encode_spans(spans).SerializeToString(), otlp.PROTOBUF).records
    expected = {(f"{s.context.trace_id:032x}", f"{s.context.span_id:016x}") for s in spans}
    assert {(r.trace_id, r.span_id) for r in records} == expected


def test_otlp_json_ids_are_hex_and_values_typed() -> None:
    batch = otlp.decode(json_body(), otlp.JSON)
    (record,) = batch.records
    assert (record.trace_id, record.span_id, record.parent_span_id) == (
        TRACE_ID,
        SPAN_ID,
        PARENT_ID,
    )
    assert record.attributes[semconv.GEN_AI_USAGE_INPUT_TOKENS] == 42  # int64 as a string
    assert record.attributes[semconv.CALL_MS] == 250.5
    assert record.attributes[semconv.PROBE_IS_BASELINE] is False
    assert record.rules == ("topics.forbidden",)
    assert record.status_code == 2 and record.kind == 3
    assert record.end_ns - record.start_ns == 250_000_000
    assert record.service == "bot"


def test_non_finite_doubles_are_kept_as_their_names_on_both_paths() -> None:
    """Found by probing: a NaN double was stored as a bare NaN token, which is not JSON, so
    SQLite failed every Live screen summary that reached the span."""
    score = semconv.SIGNAL_PREFIX + "jailbreak"
    body = with_call_attribute(protobuf_body(1), score, AnyValue(double_value=math.nan))
    body = with_call_attribute(body, semconv.CALL_MS, AnyValue(double_value=math.inf))
    doubles = ArrayValue(values=[AnyValue(double_value=-math.inf), AnyValue(double_value=0.5)])
    body = with_call_attribute(body, semconv.PII_TYPES, AnyValue(array_value=doubles))
    (call,) = [r for r in otlp.decode(body, otlp.PROTOBUF).records if r.is_call]
    assert call.attributes[score] == "NaN" and call.number(score) is None
    assert call.attributes[semconv.CALL_MS] == "Infinity"
    assert call.call_ms == call.duration_ms
    assert call.attributes[semconv.PII_TYPES] == ["-Infinity", 0.5]
    attribute = {"key": semconv.CALL_MS, "value": {"doubleValue": "-Infinity"}}
    (record,) = otlp.decode(json_body(attributes=[attribute]), otlp.JSON).records
    assert record.attributes[semconv.CALL_MS] == "-Infinity"


def test_only_charters_vocabulary_is_kept() -> None:
    """Found by probing: attributes and status messages from other instrumentation in the
    app (a prompt with an e-mail and a card number, a URL) were stored in clear."""
    charter = {
        semconv.SIGNAL_PREFIX + "jailbreak": 0.1,
        semconv.RESPONSE_SIGNAL_PREFIX + "toxicity": 0.2,
        semconv.PII_COUNT_PREFIX + "EMAIL_ADDRESS": 1,
        semconv.PROBE_METRIC_PREFIX + "errors": 0,
        semconv.PROBE_BASELINE_METRIC_PREFIX + "errors": 0,
        semconv.ERROR_TYPE: "openai.RateLimitError",
        semconv.USER: "u-1f2e",
    }
    foreign = {
        "gen_ai.prompt.0.content": "mail jane.doe@example.com, card 4111 1111 1111 1111",
        "url.full": "https://crm.example/api?email=jane.doe@example.com",
        "charter": "not a key Charter defines",
        "charter.signal": "nor this (the prefix needs a name after it)",
    }
    request = ExportTraceServiceRequest.FromString(
        protobuf_body(2, action="deny", extra={**charter, **foreign})
    )
    resource = request.resource_spans[0].resource.attributes
    resource.add(key="process.command_line").value.string_value = "app --db-password hunter2"
    resource.add(key="deployment.environment").value.string_value = "prod"
    spans = request.resource_spans[0].scope_spans[0].spans
    spans[0].status.message = "ValueError: no customer jane.doe@example.com"
    spans[1].status.message = "openai.RateLimitError"
    batch = otlp.to_records(request)
    assert batch.rejected == 0 and len(batch.records) == 4
    calls = [r for r in batch.records if r.is_call]
    expected = set(sdk_spans(1, action="deny")[-1].attributes or {}) | set(charter)
    assert all(set(c.attributes) == expected for c in calls)
    assert "jane.doe" not in repr(batch.records) and "hunter2" not in repr(batch.records)
    kept = {"service.name", "telemetry.sdk.name", "deployment.environment"}
    assert kept <= set(calls[0].resource) and "process.command_line" not in calls[0].resource
    messages = {r.status_message for r in batch.records}
    assert messages == {"", "openai.RateLimitError"}


def test_only_the_span_names_charter_gives_are_kept() -> None:
    """Found by probing: a span other instrumentation named "POST /v1/chat for <e-mail>"
    was stored and exported under that name, though its attributes were dropped."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("other")
    named = {
        "chat gpt-4o": {
            semconv.GEN_AI_OPERATION_NAME: "chat",
            semconv.GEN_AI_REQUEST_MODEL: "gpt-4o",
        },
        "execute_tool issue_refund": {
            semconv.GEN_AI_OPERATION_NAME: "execute_tool",
            semconv.GEN_AI_TOOL_NAME: "issue_refund",
        },
        "chat": {semconv.GEN_AI_OPERATION_NAME: "chat"},
        semconv.SPAN_POLICY: {},
        semconv.SPAN_AUDIT_CHECKPOINT: {},
        "POST /v1/chat for jane.doe@example.com": {semconv.GEN_AI_OPERATION_NAME: "chat"},
        "chat jane.doe@example.com": {semconv.GEN_AI_OPERATION_NAME: "chat"},
        "chat gpt-4o for jane.doe@example.com": {
            semconv.GEN_AI_OPERATION_NAME: "chat",
            semconv.GEN_AI_REQUEST_MODEL: "gpt-4o",
        },
        "lookup jane.doe@example.com": {},
    }
    for name, attributes in named.items():
        tracer.start_span(name, attributes=attributes).end()
    provider.shutdown()
    body = encode_spans(memory.get_finished_spans()).SerializeToString()
    names = [r.name for r in otlp.decode(body, otlp.PROTOBUF).records]
    kept = list(named)[:5]
    assert names == [*kept, *["(other span)"] * (len(named) - len(kept))]
    (record,) = otlp.decode(json_body(name="GET /u/jane.doe@example.com"), otlp.JSON).records
    assert record.name == "(other span)"


def test_spans_ending_beyond_the_clock_tolerance_are_rejected_on_both_paths() -> None:
    """Found by probing: spans dated a day ahead (a skewed sender clock) took over the Live
    stream, newest first, and retention never deleted them."""
    now = time.time_ns()
    tomorrow = str(now + 86_400 * 10**9)
    batch = otlp.decode(json_body(startTimeUnixNano=str(now), endTimeUnixNano=tomorrow), otlp.JSON)
    assert batch.records == [] and batch.rejected == 1
    assert "endTimeUnixNano is 86,400s in the future" in batch.reasons[0]
    assert "check the sender's clock" in batch.reasons[0]
    request = ExportTraceServiceRequest.FromString(protobuf_body(2))
    spans = request.resource_spans[0].scope_spans[0].spans
    spans[0].end_time_unix_nano = now + 86_400 * 10**9
    spans[1].end_time_unix_nano = now + (otlp.MAX_CLOCK_AHEAD_S - 60) * 10**9  # within it
    batch = otlp.to_records(request)
    assert batch.rejected == 1 and len(batch.records) == 3
    assert "in the future" in batch.partial_success_message()


def test_otlp_json_accepts_protobuf_field_names_too() -> None:
    doc = json_doc()
    rs = doc.pop("resourceSpans")
    doc["resource_spans"] = rs
    assert len(otlp.decode(json.dumps(doc).encode(), otlp.JSON).records) == 1


def test_otlp_json_with_base64_ids_is_rejected_with_the_reason() -> None:
    with pytest.raises(IngestError) as err:
        otlp.decode(json_body(traceId="W47/95gDgQPSabYzgT/GDA=="), otlp.JSON)
    assert err.value.status == 400
    assert "traceId must be 32 hex characters" in str(err.value)
    assert "spans[0]" in str(err.value)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be an object"),
        (b'{"resourceSpans": {"x": 1}}', "must be an array"),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 5}]}]}]}', "not OTLP/JSON"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_bad_json_is_a_400_with_a_reason(body: bytes, fragment: str) -> None:
    with pytest.raises(IngestError) as err:
        otlp.decode(body, otlp.JSON)
    assert err.value.status == 400
    assert fragment in str(err.value)


def test_garbage_and_truncated_protobuf_are_400() -> None:
    good = protobuf_body(2)
    for body in (b"this is not protobuf at all", good[: len(good) - 7], b"\xff" * 64):
        with pytest.raises(IngestError) as err:
            otlp.decode(body, otlp.PROTOBUF)
        assert err.value.status == 400
        assert "ExportTraceServiceRequest" in str(err.value)


def test_empty_protobuf_is_an_empty_export() -> None:
    assert otlp.decode(b"", otlp.PROTOBUF).records == []


def test_invalid_ids_reject_only_those_spans_as_partial_success() -> None:
    request = ExportTraceServiceRequest.FromString(protobuf_body(2))
    spans = request.resource_spans[0].scope_spans[0].spans
    spans[0].trace_id = b"\x00" * 16
    spans[1].span_id = b"\x01\x02"
    batch = otlp.to_records(request)
    assert batch.rejected == 2
    assert len(batch.records) == len(spans) - 2
    response = ExportTraceServiceResponse.FromString(otlp.response_body(batch, otlp.PROTOBUF))
    assert response.partial_success.rejected_spans == 2
    assert "traceId must be 16 bytes" in response.partial_success.error_message
    assert "spanId must be 8 bytes" in response.partial_success.error_message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("application/x-protobuf", otlp.PROTOBUF),
        ("application/protobuf", otlp.PROTOBUF),
        ("application/json; charset=utf-8", otlp.JSON),
        ("Application/JSON", otlp.JSON),
    ],
)
def test_media_types(header: str, expected: str) -> None:
    assert otlp.media_type(header) == expected


@pytest.mark.parametrize("header", ["text/plain", "", None, "application/xml"])
def test_other_content_types_are_415(header: str | None) -> None:
    with pytest.raises(IngestError) as err:
        otlp.media_type(header)
    assert err.value.status == 415
    assert "application/x-protobuf" in str(err.value)


def test_gzip_and_deflate_are_undone() -> None:
    body = protobuf_body(1)
    assert otlp.decompress(gzip.compress(body), "gzip", limit=1 << 20) == body
    assert otlp.decompress(zlib.compress(body), "deflate", limit=1 << 20) == body
    assert otlp.decompress(body, None, limit=1 << 20) == body


def test_gzip_bomb_stops_at_the_limit_with_413() -> None:
    bomb = gzip.compress(b"\0" * (8 << 20))
    assert len(bomb) < 100_000
    with pytest.raises(IngestError) as err:
        otlp.decompress(bomb, "gzip", limit=1 << 20)
    assert err.value.status == 413


def test_bad_or_truncated_gzip_is_400_and_unknown_encoding_415() -> None:
    packed = gzip.compress(protobuf_body(1))
    for body in (b"not gzip", packed[:-10]):
        with pytest.raises(IngestError) as err:
            otlp.decompress(body, "gzip", limit=1 << 20)
        assert err.value.status == 400
    with pytest.raises(IngestError) as err:
        otlp.decompress(packed, "br", limit=1 << 20)
    assert err.value.status == 415


def test_error_body_is_a_google_rpc_status() -> None:
    from google.rpc.status_pb2 import Status

    status = Status.FromString(otlp.error_body("bad payload", 3, otlp.PROTOBUF))
    assert (status.code, status.message) == (3, "bad payload")
    assert json.loads(otlp.error_body("bad payload", 3, otlp.JSON)) == {
        "code": 3,
        "message": "bad payload",
    }


@pytest.mark.parametrize("depth", [200, 5000])
def test_deeply_nested_json_values_are_a_400_not_a_crash(depth: int) -> None:
    nested = '{"arrayValue":{"values":[' * depth + '{"stringValue":"x"}' + "]}}" * depth
    marker = '"PLACEHOLDER"'
    body = json_body(attributes=[{"key": "nested", "value": "PLACEHOLDER"}])
    body = body.replace(marker.encode(), nested.encode())
    with pytest.raises(IngestError) as err:
        otlp.decode(body, otlp.JSON)
    assert err.value.status == 400
