"""Issue 14 #3: the OTLP receiver cannot be exhausted by one hostile client.

Replays the attacks: a chunked body the size limit did not stop (a chunk size of `-1` made
the reader take the whole stream: 1.2 GB grew RSS to 2.47 GB), idle half-sent requests
that took every slot (others got 503), tiny spans that multiply in memory; and checks the
optional bearer token, which the standard OTel exporter sends from
OTEL_EXPORTER_OTLP_HEADERS, plus the warning for a receiver exposed without one.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from tests.monitor_tui.otlp_bodies import protobuf_body

HEADERS = b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
ATTACKER = "127.0.0.2"  # loopback too, but another client address than the good clients
TOKEN = "s3cret-token-for-the-receiver"


@pytest.fixture
def spans(tmp_path: Path) -> Iterator[SpanStore]:
    store = SpanStore(str(tmp_path / "spans.db"))
    yield store
    store.close()


def _start(store: SpanStore, **options: object) -> Receiver:
    receiver = Receiver(store, http_port=0, grpc_port=None, **options)  # type: ignore[arg-type]
    receiver.start()
    return receiver


def _post(receiver: Receiver, body: bytes, headers: dict[str, str] | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", receiver.http.port, timeout=10)
    conn.request(
        "POST",
        "/v1/traces",
        body=body,
        headers={"Content-Type": "application/x-protobuf"} | (headers or {}),
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def _answer(sock: socket.socket) -> bytes:
    """Everything the receiver sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_negative_chunk_size_is_refused_at_once_not_read_to_the_end(spans: SpanStore) -> None:
    receiver = _start(spans)
    try:
        with socket.create_connection(("127.0.0.1", receiver.http.port), timeout=5) as sock:
            sock.sendall(HEADERS + b"Transfer-Encoding: chunked\r\n\r\n-1\r\n" + b"\0" * 65536)
            # main: the reader now takes everything until the client closes (no answer)
            answer = _answer(sock)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:60]
        assert b"hexadecimal" in answer
        assert _post(receiver, protobuf_body(1)) == 200
    finally:
        receiver.stop()


def test_a_chunked_body_past_the_limit_is_cut_off_while_it_streams(spans: SpanStore) -> None:
    receiver = _start(spans, max_body=1 << 20)
    try:
        sent = 0
        with socket.create_connection(("127.0.0.1", receiver.http.port), timeout=5) as sock:
            sock.sendall(HEADERS + b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"10000\r\n" + b"\0" * 0x10000 + b"\r\n"
            with pytest.raises(OSError):  # the receiver stops reading and closes
                for _ in range(4096):  # 256 MB if nothing stopped it
                    sock.sendall(chunk)
                    sent += 0x10000
        assert sent < 64 << 20
        assert _post(receiver, protobuf_body(1)) == 200
    finally:
        receiver.stop()


def _idle_requests(receiver: Receiver, count: int) -> list[socket.socket]:
    """`count` connections from the attacker's address that never finish their request."""
    body = protobuf_body(1)
    idle = []
    for i in range(count):
        sock = socket.create_connection(
            ("127.0.0.1", receiver.http.port), timeout=10, source_address=(ATTACKER, 0)
        )
        if i % 2:  # headers done, body never finished: holds an in-flight slot
            sock.sendall(HEADERS + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:5])
        else:  # headers never finished
            sock.sendall(HEADERS[:20])
        idle.append(sock)
    time.sleep(0.3)
    return idle


def test_idle_half_sent_requests_from_one_client_leave_room_for_the_others(
    spans: SpanStore,
) -> None:
    receiver = _start(spans)  # default limits: 32 requests in flight
    idle = _idle_requests(receiver, 64)
    try:
        statuses = [_post(receiver, protobuf_body(1)) for _ in range(20)]
        assert statuses == [200] * 20  # main: 503 for every one
    finally:
        for sock in idle:
            sock.close()
        receiver.stop()


def test_a_request_must_arrive_within_the_read_timeout(spans: SpanStore) -> None:
    receiver = _start(spans, read_timeout=1.0)
    idle = _idle_requests(receiver, 2)
    try:
        started = time.monotonic()
        answers = [_answer(sock) for sock in idle]
        assert time.monotonic() - started < 8  # not the 30 s idle socket timeout
        assert answers[1].startswith(b"HTTP/1.1 408")  # the body never came
        assert answers[0] == b""  # the headers never came: closed
        assert _post(receiver, protobuf_body(1)) == 200
    finally:
        for sock in idle:
            sock.close()
        receiver.stop()


def test_a_request_of_tiny_spans_is_capped(spans: SpanStore) -> None:
    request = ExportTraceServiceRequest()
    scope = request.resource_spans.add().scope_spans.add()
    for i in range(1, 25_001):
        span = scope.spans.add()
        span.trace_id, span.span_id, span.name = i.to_bytes(16, "big"), i.to_bytes(8, "big"), "x"
    receiver = _start(spans)
    try:
        assert _post(receiver, request.SerializeToString()) == 413  # main: 200
        assert _post(receiver, protobuf_body(1)) == 200
    finally:
        receiver.stop()


def test_a_token_is_required_when_set_and_the_otel_exporters_send_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SpanStore(str(tmp_path / "spans.db"))
    receiver = Receiver(store, http_port=0, grpc_port=0, token=TOKEN)
    receiver.start()
    try:
        body = protobuf_body(1)
        assert _post(receiver, body) == 401
        assert _post(receiver, body, {"Authorization": "Bearer wrong-token-wrong-token"}) == 401
        assert _post(receiver, body, {"Authorization": f"Bearer {TOKEN}"}) == 200
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization=Bearer%20{TOKEN}")
        assert receiver.grpc is not None
        for exporter in (
            OTLPSpanExporter(endpoint=receiver.http.endpoint),
            GrpcSpanExporter(endpoint=receiver.grpc.endpoint, insecure=True),
        ):
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            with provider.get_tracer("t").start_as_current_span("chat gpt-4o"):
                pass
            provider.shutdown()
        assert receiver.pipeline.flush(10)
        assert store.count() == 4  # 2 from the direct post, 1 per exporter
        assert receiver.stats().rejected_requests == 2
    finally:
        receiver.stop()
        store.close()


def test_binding_beyond_loopback_without_a_token_warns(tmp_path: Path) -> None:
    def serve(*extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "charter.cli", "monitor", "serve", "--host", "0.0.0.0",
             "--port", "0", "--no-grpc", "--duration", "0.2",
             "--spans", str(tmp_path / "spans.db"), *extra],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stderr

    assert "WITHOUT a token" in serve()
    assert "WITHOUT a token" not in serve("--token", TOKEN)
