"""`Receiver`: the whole ingest side in one object (pipeline + OTLP/HTTP + OTLP/gRPC).

The console starts one in a worker; `charter monitor serve` runs one headless; `charter
demo` can start one itself and hand it to `ConsoleApp`. Binds to loopback unless told
otherwise: spans describe production traffic and are not for the whole network; beyond
loopback, give it a bearer token (`auth`).
"""

from __future__ import annotations

import threading
import time

from charter import CharterError
from monitor_tui.ingest.auth import BearerToken, exposure_warning, sender_line
from monitor_tui.ingest.grpc_receiver import GrpcReceiver
from monitor_tui.ingest.http_receiver import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_INFLIGHT,
    DEFAULT_READ_TIMEOUT_S,
    HttpReceiver,
)
from monitor_tui.ingest.pipeline import IngestPipeline, IngestStats
from monitor_tui.ingest.store import SpanStore

LOOPBACK = "127.0.0.1"


class Receiver:
    def __init__(
        self,
        store: SpanStore,
        *,
        host: str = LOOPBACK,
        http_port: int = 4318,
        grpc_port: int | None = 4317,
        sample_rate: float = 1.0,
        buffer_capacity: int = 50_000,
        max_body: int = DEFAULT_MAX_BODY,
        max_inflight: int = DEFAULT_MAX_INFLIGHT,
        max_inflight_per_client: int | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_connections_per_client: int | None = None,
        read_timeout: float = DEFAULT_READ_TIMEOUT_S,
        token: str | None = None,
    ) -> None:
        """`grpc_port=None` serves HTTP only; port 0 picks a free port. `token`: require
        `Authorization: Bearer <token>` on both transports (None/"": no auth)."""
        self.store = store
        self.host = host
        self.token = BearerToken(token)
        self.pipeline = IngestPipeline(
            store, sample_rate=sample_rate, buffer_capacity=buffer_capacity
        )
        self.http = HttpReceiver(
            self.pipeline,
            host=host,
            port=http_port,
            max_body=max_body,
            max_inflight=max_inflight,
            max_inflight_per_client=max_inflight_per_client,
            max_connections=max_connections,
            max_connections_per_client=max_connections_per_client,
            read_timeout=read_timeout,
            token=self.token,
        )
        self.grpc = (
            None
            if grpc_port is None
            else GrpcReceiver(
                self.pipeline,
                host=host,
                port=grpc_port,
                max_message=max_body,
                max_inflight=max_inflight,
                max_inflight_per_client=max_inflight_per_client,
                token=self.token,
            )
        )

    @property
    def running(self) -> bool:
        return self.http.running

    @property
    def exposure_warning(self) -> str | None:
        """Set when the receivers listen beyond this machine (louder without a token)."""
        return exposure_warning(self.host, self.token)

    def start(self) -> None:
        """Start writer and listeners; on failure nothing is left running."""
        if self.running:
            return
        self.pipeline.start()
        try:
            self.http.start()
            if self.grpc is not None:
                self.grpc.start()
        except CharterError:
            self.stop()
            raise

    def stop(self, grace: float = 5.0) -> None:
        """Stop gracefully: refuse new requests ("retry later"), let the ones in flight
        finish (up to `grace` seconds), stop listening, then store what is buffered."""
        self.pipeline.stop_accepting()
        deadline = time.monotonic() + grace
        admissions = [self.http.admission] + ([self.grpc.admission] if self.grpc else [])
        while any(a.inflight for a in admissions) and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.grpc is not None:
            self.grpc.stop()
        self.http.stop()
        self.pipeline.stop()

    def stats(self) -> IngestStats:
        return self.pipeline.stats()

    def sender_line(self, token: str | None = None) -> str:
        """What an app runs to send here; without `token`, a required one shows as
        `<token>` (the console never displays the secret)."""
        return sender_line(self.host, self.http.port, token, required=self.token.required)

    def describe(self) -> str:
        where = f"OTLP/HTTP {self.http.endpoint}"
        if self.grpc is not None:
            where += f", OTLP/gRPC {self.grpc.endpoint}"
        if self.token.required:
            where += " (bearer token required)"
        return where


def serve_until_stopped(
    receiver: Receiver, stop: threading.Event, duration: float | None = None
) -> None:
    """Run a started receiver until `duration` seconds pass or `stop` is set (the CLI sets
    it on Ctrl-C or SIGTERM: `charter.cli.stop_on_signals`), then stop it gracefully:
    requests in flight end, everything acknowledged is stored."""
    deadline = None if duration is None else time.monotonic() + duration
    try:
        while not stop.is_set():
            left = 0.2 if deadline is None else min(0.2, deadline - time.monotonic())
            if left <= 0:
                break
            stop.wait(left)
    finally:
        receiver.stop()
