"""The OTLP/HTTP receiver against the real OTel exporter and against bad clients."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from google.rpc.status_pb2 import Status
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status as SpanStatus
from opentelemetry.trace import StatusCode

from charter import semconv
from tests.monitor_tui.otlp_bodies import (
    array_value,
    json_body,
    protobuf_body,
    sdk_spans,
    with_call_attribute,
)

PROTOBUF = {"Content-Type": "application/x-protobuf"}


def post(
    receiver: Receiver,
    body: bytes,
    headers: dict[str, str] | None = None,
    path: str = "/v1/traces",
    method: str = "POST",
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", receiver.http.port, timeout=30)
    conn.request(method, path, body=body, headers=PROTOBUF if headers is None else headers)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def stored(receiver: Receiver) -> int:
    assert receiver.pipeline.flush()
    return receiver.store.count()


def test_real_sdk_exporter_spans_are_stored(
    receiver: Receiver, make_provider: Callable[[SpanExporter], TracerProvider]
) -> None:
    provider = make_provider(OTLPSpanExporter(endpoint=receiver.http.endpoint))
    tracer = provider.get_tracer("charter")
    with tracer.start_as_current_span("chat gpt-4o") as span:
        span.set_attribute(semconv.GEN_AI_OPERATION_NAME, "chat")  # the name's parts, as
        span.set_attribute(semconv.GEN_AI_REQUEST_MODEL, "gpt-4o")  # the SDK sets them
        span.set_attribute(semconv.ACTION, "deny")
        span.set_attribute(semconv.RULES, ["topics.forbidden"])
        span.set_attribute(semconv.GEN_AI_USAGE_INPUT_TOKENS, 321)
        with tracer.start_as_current_span(semconv.SPAN_POLICY):
            pass
    assert stored(receiver) == 2
    (call,) = receiver.store.recent_calls()
    assert call.action == "deny" and call.rules == ("topics.forbidden",)
    assert call.attributes[semconv.GEN_AI_USAGE_INPUT_TOKENS] == 321
    assert [s.name for s in receiver.store.trace(call.trace_id)] == [
        "chat gpt-4o",
        semconv.SPAN_POLICY,
    ]
    assert receiver.stats().received == 2


def test_other_instrumentations_attributes_are_not_stored(
    tmp_path: Path, make_provider: Callable[[SpanExporter], TracerProvider]
) -> None:
    """Found by probing: a span as another instrumentation in the app exports it (the
    prompt, a URL, an exception message) landed in spans.db and the export in clear."""
    store = SpanStore(str(tmp_path / "spans.db"))
    receiver = Receiver(store, http_port=0, grpc_port=None)
    receiver.start()
    try:
        provider = make_provider(OTLPSpanExporter(endpoint=receiver.http.endpoint))
        tracer = provider.get_tracer("opentelemetry.instrumentation.openai")
        email = "jane.doe@example.com"
        attributes = {
            semconv.GEN_AI_OPERATION_NAME: "chat",
            semconv.GEN_AI_REQUEST_MODEL: "gpt-4o",
            "gen_ai.prompt.0.content": f"Update my email to {email}, card 4111 1111 1111 1111",
            "url.full": f"https://crm.example/api/customers?email={email}",
        }
        with tracer.start_as_current_span("chat gpt-4o", attributes=attributes) as span:
            span.set_status(SpanStatus(StatusCode.ERROR, f"ValueError: no customer {email}"))
        assert stored(receiver) == 1
    finally:
        receiver.stop()
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT * FROM spans").fetchall()
    out = io.StringIO()
    store.export_jsonl(out)
    for text in (repr(rows), out.getvalue()):
        assert "jane.doe" not in text and "4111" not in text and "crm.example" not in text
    (call,) = store.iter_spans()
    assert call.attributes == {
        semconv.GEN_AI_OPERATION_NAME: "chat",
        semconv.GEN_AI_REQUEST_MODEL: "gpt-4o",
    }
    assert call.is_error and call.status_message == ""
    store.close()


def test_gzip_from_the_real_exporter(receiver: Receiver) -> None:
    exporter = OTLPSpanExporter(endpoint=receiver.http.endpoint, compression=Compression.Gzip)
    assert exporter.export(sdk_spans(5)) is SpanExportResult.SUCCESS
    assert stored(receiver) == 10


def test_otlp_json_gets_a_json_answer(receiver: Receiver) -> None:
    response = post(receiver, json_body(), {"Content-Type": "application/json"})
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(response.body) == {}  # type: ignore[attr-defined]
    assert stored(receiver) == 1


def test_invalid_spans_are_a_partial_success(receiver: Receiver) -> None:
    request = ExportTraceServiceRequest.FromString(protobuf_body(2))
    request.resource_spans[0].scope_spans[0].spans[0].trace_id = b"short"
    response = post(receiver, request.SerializeToString())
    assert response.status == 200
    answer = ExportTraceServiceResponse.FromString(response.body)  # type: ignore[attr-defined]
    assert answer.partial_success.rejected_spans == 1
    assert "traceId" in answer.partial_success.error_message
    assert stored(receiver) == 3
    assert receiver.stats().rejected_spans == 1


def test_a_span_without_an_end_time_is_rejected_not_stored_and_lost(receiver: Receiver) -> None:
    """Found by probing at stop 53: a span with no timestamps was accepted and counted as
    stored, then deleted by the first retention pass (its end read as 1970)."""
    request = ExportTraceServiceRequest.FromString(protobuf_body(2))
    request.resource_spans[0].scope_spans[0].spans[0].end_time_unix_nano = 0
    response = post(receiver, request.SerializeToString())
    answer = ExportTraceServiceResponse.FromString(response.body)  # type: ignore[attr-defined]
    assert response.status == 200 and answer.partial_success.rejected_spans == 1
    assert "endTimeUnixNano" in answer.partial_success.error_message
    assert stored(receiver) == 3


def test_spans_older_than_the_retention_are_rejected_not_acknowledged_and_lost(
    receiver: Receiver,
) -> None:
    """Found by probing: a span from a sender whose clock reset (1970, 2001) was counted
    as stored, then deleted by retention at once; only an end of 0 was refused."""
    request = ExportTraceServiceRequest.FromString(protobuf_body(3))
    spans = request.resource_spans[0].scope_spans[0].spans
    spans[0].end_time_unix_nano = 1
    spans[1].end_time_unix_nano = 10**18
    week_ago = time.time_ns() - int(receiver.store.retention_s * 1e9)
    spans[2].end_time_unix_nano = week_ago - 60 * 10**9
    response = post(receiver, request.SerializeToString())
    answer = ExportTraceServiceResponse.FromString(response.body)  # type: ignore[attr-defined]
    assert response.status == 200 and answer.partial_success.rejected_spans == 3
    assert (
        "endTimeUnixNano is older than the 604,800s this receiver keeps spans"
        in answer.partial_success.error_message
    )
    assert stored(receiver) == 3
    assert receiver.stats().stored == 3 and receiver.stats().rejected_spans == 3


def test_a_span_starting_past_2262_is_rejected_not_acknowledged_and_dropped(
    receiver: Receiver,
) -> None:
    """Found by probing: a start of 2**63 ns (a valid uint64) got a plain 200 `{}`, then the
    store dropped the span (OverflowError); the sender never learned of it."""
    for body, media in (
        (json_body(startTimeUnixNano=str(2**63), endTimeUnixNano=str(time.time_ns())), "json"),
        (_starting_at(2**64 - 1), "x-protobuf"),
    ):
        response = post(receiver, body, {"Content-Type": f"application/{media}"})
        assert response.status == 200
        if media == "json":
            answer = json.loads(response.body)  # type: ignore[attr-defined]
            message = answer["partialSuccess"]["errorMessage"]
            assert answer["partialSuccess"]["rejectedSpans"] == "1"
        else:
            decoded = ExportTraceServiceResponse.FromString(response.body)  # type: ignore[attr-defined]
            message = decoded.partial_success.error_message
            assert decoded.partial_success.rejected_spans == 1
        assert "startTimeUnixNano is past the year 2262" in message
    assert stored(receiver) == 1  # the protobuf request's other span
    assert receiver.stats().dropped == 0


def _starting_at(start_ns: int) -> bytes:
    request = ExportTraceServiceRequest.FromString(protobuf_body(1))
    request.resource_spans[0].scope_spans[0].spans[0].start_time_unix_nano = start_ns
    return request.SerializeToString()


def test_a_span_whose_action_is_not_text_is_rejected_and_the_rest_stored(
    live_store: SpanStore,
) -> None:
    """Found by probing: with sampling on, one span whose decision action was a list lost
    the whole request (sampling raised TypeError, the connection closed unanswered)."""
    receiver = Receiver(live_store, http_port=0, grpc_port=None, sample_rate=0.5)
    receiver.start()
    try:
        body = with_call_attribute(
            protobuf_body(3, action="deny"), semconv.ACTION, array_value("deny")
        )
        response = post(receiver, body)
        answer = ExportTraceServiceResponse.FromString(response.body)  # type: ignore[attr-defined]
        assert response.status == 200 and answer.partial_success.rejected_spans == 1
        assert (
            f"{semconv.ACTION} must be a string, got an array"
            in answer.partial_success.error_message
        )
        assert receiver.pipeline.flush()
        assert [c.action for c in receiver.store.recent_calls()] == ["deny", "deny"]
        assert receiver.stats().rejected_spans == 1
    finally:
        receiver.stop()


def test_spans_from_a_clock_a_day_ahead_are_rejected_and_do_not_hide_real_ones(
    receiver: Receiver,
) -> None:
    """Found by probing: 200 allow spans dated +1 day hid 3 real denials on the Live
    stream (newest first) and were never deleted by retention."""
    skewed = ExportTraceServiceRequest.FromString(protobuf_body(200))
    for span in skewed.resource_spans[0].scope_spans[0].spans:
        span.start_time_unix_nano += 86_400 * 10**9
        span.end_time_unix_nano += 86_400 * 10**9
    response = post(receiver, skewed.SerializeToString())
    answer = ExportTraceServiceResponse.FromString(response.body)  # type: ignore[attr-defined]
    assert response.status == 200 and answer.partial_success.rejected_spans == 400
    assert "check the sender's clock" in answer.partial_success.error_message
    assert post(receiver, protobuf_body(3, action="deny")).status == 200
    assert stored(receiver) == 6
    assert [c.action for c in receiver.store.recent_calls()] == ["deny"] * 3


FIFTY_MB = 50 * 1024 * 1024


@pytest.fixture
def seeded(receiver: Receiver) -> Iterator[Receiver]:
    """A receiver that already stored 4 spans (2 calls), to prove bad input loses nothing."""
    assert post(receiver, protobuf_body(2)).status == 200
    assert stored(receiver) == 4
    yield receiver


BAD_INPUTS: dict[str, tuple[Callable[[], bytes], dict[str, str], int, str]] = {
    "garbage": (lambda: b"\x07\x08garbage\xff\xfe" * 10, PROTOBUF, 400, "not an OTLP"),
    "truncated protobuf": (lambda: protobuf_body(3)[:-9], PROTOBUF, 400, "truncated"),
    "wrong content type": (
        lambda: protobuf_body(1),
        {"Content-Type": "text/plain"},
        415,
        "unsupported Content-Type 'text/plain'",
    ),
    "json sent as protobuf": (json_body, PROTOBUF, 400, "application/json"),
    "protobuf sent as json": (
        lambda: protobuf_body(1),
        {"Content-Type": "application/json"},
        400,
        "not valid JSON",
    ),
    "bad gzip": (
        lambda: b"not gzip",
        {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
        400,
        "gzip",
    ),
    "50 MB body": (lambda: b"\0" * FIFTY_MB, PROTOBUF, 413, "exceeds the 16777216 byte limit"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_gets_a_clear_4xx_and_loses_nothing(seeded: Receiver, name: str) -> None:
    make_body, headers, status, reason = BAD_INPUTS[name]
    response = post(seeded, make_body(), headers)
    assert response.status == status, name
    message = _status_message(response)
    assert reason in message, (name, message)
    assert seeded.http.running
    assert stored(seeded) == 4  # nothing already stored was lost
    assert post(seeded, protobuf_body(1)).status == 200  # and it keeps accepting
    assert stored(seeded) == 6
    assert seeded.stats().rejected_requests == 1


def _status_message(response: http.client.HTTPResponse) -> str:
    body: bytes = response.body  # type: ignore[attr-defined]
    if response.getheader("Content-Type") == "application/json":
        return str(json.loads(body)["message"])
    return str(Status.FromString(body).message)


def test_wrong_method_and_path(seeded: Receiver) -> None:
    response = post(seeded, b"", method="GET")
    assert response.status == 405 and response.getheader("Allow") == "POST"
    response = post(seeded, protobuf_body(1), path="/v1/metrics")
    assert response.status == 404
    assert "/v1/traces" in _status_message(response)
    assert stored(seeded) == 4


def test_gzip_bomb_is_413(seeded: Receiver) -> None:
    bomb = gzip.compress(b"\0" * (40 << 20))
    response = post(
        seeded, bomb, {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}
    )
    assert response.status == 413
    assert stored(seeded) == 4


def test_keep_alive_connection_survives_a_rejected_request(seeded: Receiver) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", seeded.http.port, timeout=30)
    for body, status in ((b"garbage!", 400), (protobuf_body(1), 200), (protobuf_body(1), 200)):
        conn.request("POST", "/v1/traces", body=body, headers=PROTOBUF)
        response = conn.getresponse()
        response.read()
        assert response.status == status
    conn.close()
    assert stored(seeded) == 8


def test_missing_length_is_411(seeded: Receiver) -> None:
    with socket.create_connection(("127.0.0.1", seeded.http.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 411")


def test_chunked_body_is_accepted(receiver: Receiver) -> None:
    body = protobuf_body(2)
    half = len(body) // 2
    chunks = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:])
    )
    with socket.create_connection(("127.0.0.1", receiver.http.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200")
    assert stored(receiver) == 4


def test_saturated_receiver_answers_503_with_retry_after(live_store: SpanStore) -> None:
    receiver = Receiver(live_store, http_port=0, grpc_port=None, max_inflight=1)
    receiver.start()
    try:
        body = protobuf_body(1)
        slow = socket.create_connection(("127.0.0.1", receiver.http.port), timeout=10)
        slow.sendall(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        wait_until(lambda: receiver.http.admission.inflight == 1)
        response = post(receiver, body)
        assert response.status == 503
        assert response.getheader("Retry-After") == "1"
        assert "saturated" in _status_message(response)
        slow.sendall(body[10:])  # the slow request completes normally
        assert slow.recv(4096).startswith(b"HTTP/1.1 200")
        slow.close()
        # The handler frees its slot just after writing the 200: wait for that, or the next
        # request can race it and (correctly) find the receiver still saturated.
        wait_until(lambda: receiver.http.admission.inflight == 0)
        assert post(receiver, body).status == 200
        assert stored(receiver) == 4
        assert receiver.stats().saturated_requests == 1
    finally:
        receiver.stop()


def test_port_in_use_is_a_clear_error(receiver: Receiver, live_store: SpanStore) -> None:
    from charter.errors import IngestError

    clash = Receiver(live_store, http_port=receiver.http.port, grpc_port=None)
    with pytest.raises(IngestError) as err:
        clash.start()
    assert f"127.0.0.1:{receiver.http.port}" in str(err.value)
    assert "--port" in str(err.value)
    assert not clash.running


def test_a_client_reset_mid_request_is_dropped_quietly(
    seeded: Receiver, capfd: pytest.CaptureFixture[str]
) -> None:
    """Found by probing at stop 53: each client that reset its connection mid-request
    printed a 20-line traceback to stderr (socketserver's handle_error), where the console
    draws; any client could flood it. The receiver keeps serving either way."""
    import struct

    before = stored(seeded)
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", seeded.http.port))
        sock.sendall(b"POST /v1/tr")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # an RST, not a FIN
    time.sleep(0.3)
    assert post(seeded, protobuf_body(2)).status == 200
    wait_until(lambda: stored(seeded) > before)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionResetError" not in err, err
