"""Decode OTLP trace exports (protobuf or JSON, optionally gzip) into `SpanRecord`s.

Shared by the HTTP and gRPC receivers so both reject the same payloads with the same
reasons. A payload that cannot be decoded at all is an `IngestError` (400/413/415); a
decodable payload with some invalid spans is accepted minus those spans, reported as an
OTLP partial success.

Only Charter's vocabulary is kept (`monitor_tui.ingest.vocabulary`): attributes other
instrumentation exports to the same endpoint (prompt text, URLs, exception messages) are
dropped here, before their values are even read, so no personal data they carry is stored.
"""

from __future__ import annotations

import base64
import json
import re
import time
import zlib
from dataclasses import dataclass, field
from math import isfinite
from typing import Any, cast

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from charter import IngestError, semconv
from monitor_tui.ingest.records import AttrValue, SpanRecord, non_finite_name, sender_weight
from monitor_tui.ingest.vocabulary import (
    RESOURCE_KEYS,
    RESOURCE_PREFIXES,
    SPAN_KEYS,
    SPAN_PREFIXES,
    span_name,
    status_message,
)
from monitor_tui.text import valid_values

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_PROTOBUF_ALIASES = frozenset({PROTOBUF, "application/protobuf", "application/octet-stream"})

MAX_REASONS = 5
"""How many per-span problems a partial-success message lists."""
MAX_CLOCK_AHEAD_S = 600
"""How far a span's end may be ahead of the receiver's clock (senders' clocks drift a
little). Further, it is refused: the Live stream shows the newest first, so spans dated
tomorrow would hide today's, and retention (by end time) would never delete them."""
MAX_SPANS = 20_000
"""Spans in one request. A 16 MB body of tiny spans is half a million of them (seconds of
CPU and hundreds of MB as Python objects); realistic spans fill the body limit first."""


@dataclass
class DecodedBatch:
    records: list[SpanRecord]
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def reject(self, name: str, problem: str) -> None:
        """Count one invalid span, keeping its reason for the partial-success message."""
        self.rejected += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(f"span {name[:60]!r}: {problem}")

    def partial_success_message(self) -> str:
        more = self.rejected - len(self.reasons)
        text = "; ".join(self.reasons)
        return text + (f"; and {more} more" if more > 0 else "")


def media_type(content_type: str | None) -> str:
    """`application/x-protobuf` or `application/json`; 415 for anything else."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    if base in _PROTOBUF_ALIASES:
        return PROTOBUF
    if base == JSON:
        return JSON
    shown = base or "none"
    raise IngestError(
        f"unsupported Content-Type {shown!r}: OTLP/HTTP takes {PROTOBUF} or {JSON}",
        status=415,
    )


def decompress(body: bytes, encoding: str | None, *, limit: int) -> bytes:
    """Undo `Content-Encoding` (gzip, deflate or identity) without inflating past `limit`."""
    enc = (encoding or "identity").strip().lower()
    if enc in ("", "identity"):
        return body
    if enc not in ("gzip", "deflate"):
        raise IngestError(
            f"unsupported Content-Encoding {enc!r}: send gzip, deflate or no encoding",
            status=415,
        )
    wbits = 16 + zlib.MAX_WBITS if enc == "gzip" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise IngestError(f"body is not valid {enc} data ({exc}); check Content-Encoding") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise IngestError(
            f"decompressed body exceeds the {limit} byte limit; send smaller batches",
            status=413,
        )
    if not inflater.eof:
        raise IngestError(f"{enc} body is truncated; resend the whole request")
    return data


def parse_request(body: bytes, media: str) -> ExportTraceServiceRequest:
    return _parse_json(body) if media == JSON else _parse_protobuf(body)


def _parse_protobuf(body: bytes) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except DecodeError as exc:
        raise IngestError(
            f"body is not an OTLP ExportTraceServiceRequest protobuf ({exc}); "
            "it may be truncated or another format (JSON needs Content-Type application/json)"
        ) from None
    if body and not request.ListFields():
        raise IngestError(
            "body decodes to no OTLP fields (no resourceSpans): it is not an "
            "ExportTraceServiceRequest"
        )
    return request


def _parse_json(body: bytes) -> ExportTraceServiceRequest:
    try:
        doc = json.loads(body) if body.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"body is not valid JSON ({exc}); send OTLP/JSON") from None
    if not isinstance(doc, dict):
        raise IngestError("OTLP/JSON body must be an object with a resourceSpans array")
    if _SURROGATE_ESCAPE.search(body):
        doc = cast(dict[str, Any], valid_values(doc))
    _hex_ids_to_base64(doc)
    request = ExportTraceServiceRequest()
    try:
        json_format.ParseDict(doc, request, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise IngestError(f"body is not OTLP/JSON: {exc}") from None
    return request


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""JSON may escape a lone surrogate (`"\\ud800"`), which protobuf refuses in a string and
would fail the whole request: such a body's strings get U+FFFD in its place instead."""


_ID_FIELDS = {
    "traceId": 16,
    "spanId": 8,
    "parentSpanId": 8,
    "trace_id": 16,
    "span_id": 8,
    "parent_span_id": 8,
}


def _hex_ids_to_base64(doc: dict[str, Any]) -> None:
    """OTLP/JSON writes ids as hex; protobuf's JSON mapping expects base64 for bytes."""
    for r, resource_spans in enumerate(_list(doc, "resourceSpans", "resource_spans")):
        for s, scope_spans in enumerate(_list(resource_spans, "scopeSpans", "scope_spans")):
            for i, span in enumerate(_list(scope_spans, "spans")):
                where = f"resourceSpans[{r}].scopeSpans[{s}].spans[{i}]"
                _convert_ids(span, where)
                for j, link in enumerate(_list(span, "links")):
                    _convert_ids(link, f"{where}.links[{j}]")


def _list(obj: Any, *keys: str) -> list[Any]:
    if not isinstance(obj, dict):
        return []
    for key in keys:
        value = obj.get(key)
        if isinstance(value, list):
            return value
        if value is not None:
            raise IngestError(f"OTLP/JSON field {key!r} must be an array")
    return []


def _convert_ids(obj: Any, where: str) -> None:
    if not isinstance(obj, dict):
        raise IngestError(f"{where} must be an object")
    for key, size in _ID_FIELDS.items():
        value = obj.get(key)
        if value in (None, ""):
            continue
        try:
            raw = bytes.fromhex(value) if isinstance(value, str) else b""
        except ValueError:
            raw = b""
        if len(raw) != size:
            raise IngestError(
                f"{where}.{key} must be {size * 2} hex characters (OTLP/JSON ids are hex)"
            )
        obj[key] = base64.b64encode(raw).decode()


# --- protobuf message -> records ------------------------------------------------------


def to_records(
    request: ExportTraceServiceRequest,
    max_spans: int = MAX_SPANS,
    *,
    retention_s: float | None = None,
    now_s: float | None = None,
) -> DecodedBatch:
    """The request's spans as records; each one the console cannot use is rejected with its
    reason. With `retention_s` (the store's), spans that ended before it are rejected too:
    acknowledged and counted as stored, retention deleted them at once (found by probing).
    `now_s`: the store's clock, which its retention reads (default: the wall clock)."""
    total = sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
    if total > max_spans:
        raise IngestError(
            f"{total} spans in one request exceed the limit of {max_spans}; send smaller "
            "batches (lower the exporter's max batch size)",
            status=413,
        )
    batch = DecodedBatch(records=[])
    append = batch.records.append
    now = time.time_ns() if now_s is None else int(now_s * 1e9)
    ends = (now - int(retention_s * 1e9) if retention_s else 1, now + MAX_CLOCK_AHEAD_S * 10**9)
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes, RESOURCE_KEYS, RESOURCE_PREFIXES)
        service = str(resource.get("service.name", ""))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                attributes = _attributes(span.attributes)
                problem = _span_problem(
                    span.trace_id,
                    span.span_id,
                    span.parent_span_id,
                    (span.start_time_unix_nano, span.end_time_unix_nano),
                    ends,
                ) or _attribute_problem(attributes)
                if problem:
                    batch.reject(span.name, problem)
                    continue
                append(
                    SpanRecord(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        name=span_name(span.name, attributes),
                        start_ns=span.start_time_unix_nano,
                        end_ns=span.end_time_unix_nano,
                        parent_span_id=span.parent_span_id.hex(),
                        kind=span.kind,
                        status_code=span.status.code,
                        status_message=status_message(span.status.message),
                        service=service,
                        attributes=attributes,
                        resource=resource,
                        weight=sender_weight(attributes, span.status.code),
                    )
                )
    return batch


def _span_problem(
    trace_id: bytes, span_id: bytes, parent: bytes, times: tuple[int, int], ends: tuple[int, int]
) -> str:
    """Why a span cannot be stored, or "". `ends`: the earliest and latest end it may have."""
    (start_ns, end_ns), (earliest_end, latest_end) = times, ends
    if len(trace_id) != 16 or not any(trace_id):
        return "traceId must be 16 bytes and not all zero"
    if len(span_id) != 8 or not any(span_id):
        return "spanId must be 8 bytes and not all zero"
    if parent and len(parent) != 8:
        return "parentSpanId must be 8 bytes or empty"
    if end_ns <= 0:  # stored, it read as 1970: counted as stored, then gone at retention
        return "endTimeUnixNano must be set"
    if end_ns < earliest_end:
        kept = (latest_end - earliest_end) / 1e9 - MAX_CLOCK_AHEAD_S
        return (
            f"endTimeUnixNano is older than the {kept:,.0f}s this receiver keeps spans "
            "(retention would delete it at once); check the sender's clock"
        )
    if end_ns > latest_end:
        ahead = (end_ns - latest_end) / 1e9 + MAX_CLOCK_AHEAD_S
        return (
            f"endTimeUnixNano is {ahead:,.0f}s in the future (more than the "
            f"{MAX_CLOCK_AHEAD_S}s allowed); check the sender's clock"
        )
    if start_ns >= 2**63:  # acknowledged, then dropped by the store (an SQLite INTEGER)
        return "startTimeUnixNano is past the year 2262 (2**63 ns); check the sender's clock"
    return ""


def _attribute_problem(attributes: dict[str, AttrValue]) -> str:
    """What the console cannot use in a span's attributes: the decision action is matched
    against the actions sampling always keeps and stored as a column, so it must be text."""
    action = attributes.get(semconv.ACTION)
    if action is not None and not isinstance(action, str):
        return f"{semconv.ACTION} must be a string, got {_kind(action)}"
    return ""


def _kind(value: AttrValue) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a key-value list"
    return type(value).__name__


def _attributes(
    pairs: Any, keys: frozenset[str] = SPAN_KEYS, prefixes: tuple[str, ...] = SPAN_PREFIXES
) -> dict[str, AttrValue]:
    # The hot path of ingest: a key outside the vocabulary is skipped before its value is
    # read (one set lookup, one `startswith`), scalar kinds inline, nested through `_value`.
    out: dict[str, AttrValue] = {}
    for kv in pairs:
        key = kv.key
        if key not in keys and not key.startswith(prefixes):
            continue
        value = kv.value
        kind = value.WhichOneof("value")
        if kind == "string_value":
            out[key] = value.string_value
        elif kind == "int_value":
            out[key] = value.int_value
        elif kind == "double_value":
            number = value.double_value
            out[key] = number if isfinite(number) else non_finite_name(number)
        elif kind == "bool_value":
            out[key] = value.bool_value
        else:
            out[key] = _value(value)
    return out


def _value(value: AnyValue) -> AttrValue:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    if kind == "double_value" and not isfinite(value.double_value):
        return non_finite_name(value.double_value)
    return getattr(value, kind)


def decode(
    body: bytes, media: str, *, retention_s: float | None = None, now_s: float | None = None
) -> DecodedBatch:
    """Body (already decompressed) -> records (`to_records`); `IngestError` when it cannot
    be decoded.

    Anything unexpected while decoding (a nesting too deep, a value of a type the mapping
    did not foresee) is also the payload's problem: 400, and the receiver keeps serving."""
    try:
        return to_records(parse_request(body, media), retention_s=retention_s, now_s=now_s)
    except IngestError:
        raise
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise IngestError(
            f"payload could not be decoded ({type(exc).__name__}); check it is a valid "
            "OTLP ExportTraceServiceRequest"
        ) from None


def response_body(batch: DecodedBatch, media: str) -> bytes:
    response = ExportTraceServiceResponse()
    if batch.rejected:
        response.partial_success.rejected_spans = batch.rejected
        response.partial_success.error_message = batch.partial_success_message()
    if media == JSON:
        return json.dumps(json_format.MessageToDict(response)).encode()
    data: bytes = response.SerializeToString()
    return data


def error_body(message: str, code: int, media: str) -> bytes:
    """A `google.rpc.Status`, as OTLP/HTTP specifies for failures."""
    from google.rpc.status_pb2 import Status

    status = Status(code=code, message=message)
    if media == JSON:
        return json.dumps({"code": code, "message": message}).encode()
    data: bytes = status.SerializeToString()
    return data
