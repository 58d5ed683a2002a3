"""`Receiver`: the whole ingest side in one object (pipeline + OTLP/HTTP + OTLP/gRPC).

The console starts one in a worker; `charter monitor serve` runs one headless; `charter
demo` can start one itself and hand it to `ConsoleApp`. Binds to loopback unless told
otherwise: spans describe production traffic and are not for the whole network.
"""

from __future__ import annotations

from charter import CharterError
from monitor_tui.ingest.grpc_receiver import GrpcReceiver
from monitor_tui.ingest.http_receiver import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_INFLIGHT,
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
    ) -> None:
        """`grpc_port=None` serves HTTP only; port 0 picks a free port."""
        self.store = store
        self.pipeline = IngestPipeline(
            store, sample_rate=sample_rate, buffer_capacity=buffer_capacity
        )
        self.http = HttpReceiver(
            self.pipeline,
            host=host,
            port=http_port,
            max_body=max_body,
            max_inflight=max_inflight,
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
            )
        )

    @property
    def running(self) -> bool:
        return self.http.running

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

    def stop(self) -> None:
        """Stop listening, then store what is still buffered."""
        if self.grpc is not None:
            self.grpc.stop()
        self.http.stop()
        self.pipeline.stop()

    def stats(self) -> IngestStats:
        return self.pipeline.stats()

    def describe(self) -> str:
        where = f"OTLP/HTTP {self.http.endpoint}"
        if self.grpc is not None:
            where += f", OTLP/gRPC {self.grpc.endpoint}"
        return where
