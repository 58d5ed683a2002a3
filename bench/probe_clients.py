"""OTLP/HTTP clients for the probe: well-behaved exporters and the hostile ones of issue 14.

Hostile clients connect from 127.0.0.2 (loopback, but another client address than the
well-behaved ones on 127.0.0.1), as an attacker on another machine would.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter import semconv as sc

ATTACKER = "127.0.0.2"
HEADERS = b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"


def batch(spans: int = 64) -> tuple[bytes, set[str]]:
    """A protobuf export of `spans` call spans from the real SDK encoder, and their ids."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "probe"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("charter")
    for i in range(spans):
        with tracer.start_as_current_span("chat gpt-4o") as span:
            span.set_attributes({sc.ACTION: "allow", sc.APP: "probe", sc.CALL_MS: 100.0 + i})
    provider.shutdown()
    body: bytes = encode_spans(memory.get_finished_spans()).SerializeToString()
    request = ExportTraceServiceRequest.FromString(body)
    ids = {
        s.span_id.hex() for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans
    }
    return body, ids


def post(port: int, body: bytes, headers: dict[str, str] | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/v1/traces",
            body=body,
            headers={"Content-Type": "application/x-protobuf", **(headers or {})},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@dataclass
class GoodClients:
    """`count` exporters posting 64-span batches in a loop, as fast as they are answered;
    `fresh`: new span ids for every batch (to check which acknowledged spans were stored)."""

    port: int
    count: int = 4
    fresh: bool = False
    statuses: Counter[int] = field(default_factory=Counter)
    acked: set[str] = field(default_factory=set)
    errors: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        bodies = [] if self.fresh else [batch() for _ in range(32)]
        for n in range(self.count):
            t = threading.Thread(target=self._run, args=(bodies, n), daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def _run(self, bodies: list[tuple[bytes, set[str]]], offset: int) -> None:
        i = offset
        while not self._stop.is_set():
            body, ids = bodies[i % len(bodies)] if bodies else batch(16)
            i += 1
            try:
                status = post(self.port, body)
            except OSError:
                with self._lock:
                    self.errors += 1
                time.sleep(0.05)
                continue
            with self._lock:
                self.statuses[status] += 1
                if status == 200:
                    self.acked |= ids


def _attacker_socket(port: int, timeout: float = 30.0) -> socket.socket:
    return socket.create_connection(
        ("127.0.0.1", port), timeout=timeout, source_address=(ATTACKER, 0)
    )


def oversized_chunked(port: int, total: int = 1200 << 20, bad_size: bool = False) -> int:
    """Stream a chunked body of `total` bytes (with a `-1` chunk size if `bad_size`);
    returns how many body bytes went out before the receiver cut the connection."""
    sent = 0
    chunk = b"\0" * (1 << 20)
    try:
        with _attacker_socket(port) as sock:
            sock.sendall(HEADERS + b"Transfer-Encoding: chunked\r\n\r\n")
            if bad_size:
                sock.sendall(b"-1\r\n")
            while sent < total:
                sock.sendall(chunk if bad_size else b"100000\r\n" + chunk + b"\r\n")
                sent += len(chunk)
    except OSError:
        pass
    return sent


def gzip_bomb(ratio_mb: int = 1024) -> bytes:
    """`ratio_mb` MB of zeros, gzip'd (about a thousandth of that), built in pieces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1 << 20)
    parts = [packer.compress(zeros) for _ in range(ratio_mb)]
    return b"".join(parts) + packer.flush()


def send_bomb(port: int, bomb: bytes) -> int:
    try:
        with _attacker_socket(port) as sock:
            sock.sendall(
                HEADERS
                + b"Content-Encoding: gzip\r\n"
                + f"Content-Length: {len(bomb)}\r\n\r\n".encode()
                + bomb
            )
            answer = sock.recv(64)
    except OSError:
        return 0
    return int(answer.split()[1]) if answer.startswith(b"HTTP/1.1") else 0


def slowloris(port: int, count: int = 64) -> list[socket.socket]:
    """`count` connections that never finish their request: half stop inside the headers,
    half after the headers with most of the body missing (those hold in-flight slots)."""
    held = []
    for i in range(count):
        try:
            sock = _attacker_socket(port, timeout=60)
            if i % 2:
                sock.sendall(HEADERS + b"Content-Length: 100000\r\n\r\n" + b"\0" * 10)
            else:
                sock.sendall(HEADERS[:25])
            held.append(sock)
        except OSError:
            break
    return held


class Flood:
    """`count` hostile clients posting 1 MB of junk as fast as they are answered."""

    def __init__(self, port: int, count: int = 64) -> None:
        self.port = port
        self.count = count
        self.sent = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def _run(self) -> None:
        junk = HEADERS + f"Content-Length: {1 << 20}\r\n\r\n".encode() + b"\x07" * (1 << 20)
        while not self._stop.is_set():
            try:
                with _attacker_socket(self.port, timeout=10) as sock:
                    sock.sendall(junk)
                    sock.recv(64)
                self.sent += 1
            except OSError:
                time.sleep(0.01)
