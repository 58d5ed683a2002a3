"""OTLP/HTTP ingest rate and memory of the console's receiver.

Subject: 1,000,000 spans POSTed as protobuf batches of 512 (encoded in advance by the
OpenTelemetry SDK's own OTLP encoder, ~17 attributes per span as Charter emits them) over
one keep-alive connection from a client thread, into a `Receiver` writing a SQLite span
store on disk. Rate: spans that reached the store, divided by the time from the first
request until the writer is done. The receiver answers 200 only once a request's spans
are stored, so one sequential connection waits for each commit. Target: >= 20,000 spans/s.

Floor: the same bodies over the same kind of connection to a bare stdlib HTTP handler
that reads the body and parses the protobuf, nothing else: the cost no receiver can
avoid. Ratio = subject rate / floor rate (1.0 would be "free" conversion and storage).

Memory: RSS growth of this process across the 1,000,000 spans, with the store and the
buffer bounded (200,000 spans / 100,000 spans). Target: < 100 MB.
"""

from __future__ import annotations

import http.client
import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bench._timing import row
from charter import semconv as sc

BATCH = 512
DISTINCT_BATCHES = 8
TOTAL_SPANS = 1_000_000
FLOOR_BATCHES = 200


def _bodies() -> list[bytes]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("charter")
    actions = ("allow", "allow", "allow", "redact", "deny", "require_approval")
    bodies = []
    for b in range(DISTINCT_BATCHES):
        memory.clear()
        for i in range(BATCH):
            action = actions[(b + i) % len(actions)]
            with tracer.start_as_current_span("chat gpt-4o") as span:
                span.set_attributes(
                    {
                        sc.GEN_AI_OPERATION_NAME: "chat",
                        sc.GEN_AI_PROVIDER_NAME: "openai",
                        sc.GEN_AI_REQUEST_MODEL: "gpt-4o",
                        sc.GEN_AI_RESPONSE_MODEL: "gpt-4o-2024-08-06",
                        sc.GEN_AI_USAGE_INPUT_TOKENS: 100 + i,
                        sc.GEN_AI_USAGE_OUTPUT_TOKENS: 40 + i % 90,
                        sc.GEN_AI_RESPONSE_FINISH_REASONS: ["stop"],
                        sc.ACTION: action,
                        sc.RULES: [] if action == "allow" else ["privacy.pii_external"],
                        sc.POLICY_REVISION: "1a2b3c4d5e6f",
                        sc.APP: "support-bot",
                        sc.TENANT: "acme",
                        sc.ENVIRONMENT: "prod",
                        sc.USER: f"u-{i:04x}",
                        sc.LATENCY_MS: 1.7,
                        sc.CALL_MS: 240.0 + i,
                        sc.SIGNAL_PREFIX + "jailbreak": 0.02,
                    }
                )
        bodies.append(encode_spans(memory.get_finished_spans()).SerializeToString())
    provider.shutdown()
    return bodies


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _post_all(port: int, bodies: list[bytes], batches: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/x-protobuf"}
    for i in range(batches):
        conn.request("POST", "/v1/traces", body=bodies[i % len(bodies)], headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"receiver answered {response.status}")
    conn.close()


def _in_thread(port: int, bodies: list[bytes], batches: int) -> None:
    sender = threading.Thread(target=_post_all, args=(port, bodies, batches))
    sender.start()
    sender.join()


class _ParseOnly(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ExportTraceServiceRequest.FromString(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _floor_rate(bodies: list[bytes]) -> float:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ParseOnly)
    server.daemon_threads = True
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        started = time.perf_counter()
        _in_thread(server.server_address[1], bodies, FLOOR_BATCHES)
        return FLOOR_BATCHES * BATCH / (time.perf_counter() - started)
    finally:
        server.shutdown()
        server.server_close()


def run() -> list[dict[str, object]]:
    bodies = _bodies()
    floor = _floor_rate(bodies)
    workdir = tempfile.mkdtemp(prefix="charter-bench-ingest-")
    store = SpanStore(str(Path(workdir) / "spans.db"))
    receiver = Receiver(store, http_port=0, grpc_port=None)
    receiver.start()
    try:
        _in_thread(receiver.http.port, bodies, 20)  # warm up: caches, first pages, threads
        receiver.pipeline.flush(60)
        rss_before = _rss_mb()
        batches = -(-TOTAL_SPANS // BATCH)
        started = time.perf_counter()
        _in_thread(receiver.http.port, bodies, batches)
        accepted_s = time.perf_counter() - started
        receiver.pipeline.flush(120)
        stored_s = time.perf_counter() - started
        rss_after = _rss_mb()
        stats = receiver.stats()
        kept = store.count()
    finally:
        receiver.stop()
        store.close()
        shutil.rmtree(workdir, ignore_errors=True)
    spans = batches * BATCH
    rate = (spans - stats.dropped) / stored_s  # only what reached the store counts
    return [
        row(
            "ingest rate, OTLP/HTTP protobuf, 512/batch: spans stored per second",
            rate,
            "spans/s",
            floor=floor,
            target=">= 20,000 spans/s; floor: bare parse-only HTTP handler",
        ),
        row(
            "accept rate (200 OK), same run",
            spans / accepted_s,
            "spans/s",
            floor=floor,
            target="a 200 only once the spans are stored (issue 14 #8)",
        ),
        row(
            "RSS growth after 1,000,000 spans",
            rss_after - rss_before,
            "MB",
            target="< 100 MB (store and buffer bounded)",
        ),
        row(
            "accepted spans not stored in that run",
            float(stats.dropped),
            "spans",
            target="0: a full buffer refuses requests (503) instead",
        ),
        row(
            "spans kept in the bounded store",
            float(kept),
            "spans",
            target=f"<= {store.max_spans:,} (max_spans)",
        ),
    ]


if __name__ == "__main__":
    for result in run():
        print(result)
