"""OTLP/gRPC trace receiver (`TraceService/Export`), the default transport of many SDKs
and of the OpenTelemetry Collector's `otlp` exporter.

The method takes raw bytes and decodes them with the same code as the HTTP receiver, so a
malformed request gets INVALID_ARGUMENT with the same reason (gRPC's own deserializer would
only say INTERNAL). Oversized messages are refused by gRPC with RESOURCE_EXHAUSTED;
saturation (in all, or from one client address) answers UNAVAILABLE, which exporters
retry; a missing or wrong bearer token (when one is set) answers UNAUTHENTICATED. gRPC
itself reads a message completely before a worker sees it, so half-sent requests hold no
worker; `maximum_concurrent_rpcs` bounds the calls gRPC queues for the workers, and past
it gRPC itself answers RESOURCE_EXHAUSTED ("Concurrent RPC limit exceeded!"), before any
worker or count here sees the call: with 8 workers that limit, not the admission's, is
what a burst of many concurrent exporters meets (found by probing at stop 53; the Python
SDK retries it, the Collector's exporter drops the batch, as that status carries no
RetryInfo).
"""

from __future__ import annotations

from concurrent import futures
from typing import Any

from charter import IngestError
from monitor_tui.ingest import otlp
from monitor_tui.ingest.admission import Admission
from monitor_tui.ingest.auth import BearerToken
from monitor_tui.ingest.http_receiver import DEFAULT_MAX_BODY, DEFAULT_MAX_INFLIGHT
from monitor_tui.ingest.pipeline import IngestPipeline

DEFAULT_PORT = 4317
SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService"


class GrpcReceiver:
    """Serve OTLP/gRPC on `host:port` (port 0: any free port; see `.port` after `start`)."""

    def __init__(
        self,
        pipeline: IngestPipeline,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        max_message: int = DEFAULT_MAX_BODY,
        max_inflight: int = DEFAULT_MAX_INFLIGHT,
        max_inflight_per_client: int | None = None,
        workers: int = 8,
        token: BearerToken | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.host = host
        self.max_message = max_message
        self.token = token or BearerToken(None)
        self.admission = Admission(max_inflight, max_inflight_per_client)
        self._requested_port = port
        self._bound_port: int | None = None
        self._workers = workers
        self._server: Any = None

    @property
    def port(self) -> int:
        return self._bound_port if self._bound_port is not None else self._requested_port

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        if self._server is not None:
            return
        import grpc

        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="otlp-grpc"),
            maximum_concurrent_rpcs=self.admission.limit * 2,
            options=[
                ("grpc.max_receive_message_length", self.max_message),
                ("grpc.so_reuseport", 0),
            ],
        )
        handler = grpc.method_handlers_generic_handler(
            SERVICE, {"Export": grpc.unary_unary_rpc_method_handler(self._export)}
        )
        server.add_generic_rpc_handlers((handler,))
        address = f"{self.host}:{self._requested_port}"
        try:
            port = server.add_insecure_port(address)
        except RuntimeError:
            port = 0
        if not port:
            server.stop(None)
            raise IngestError(
                f"cannot listen for OTLP/gRPC on {address}; pick another port (--grpc-port) "
                "or stop the other receiver",
                status=503,
            )
        server.start()
        self._bound_port = port
        self._server = server

    def stop(self, grace: float = 1.0) -> None:
        if self._server is not None:
            self._server.stop(grace).wait()
            self._server = None

    def _export(self, request: bytes, context: Any) -> bytes:
        import grpc

        metadata = dict(context.invocation_metadata() or ())
        if not self.token.accepts(metadata.get("authorization")):
            self.pipeline.count("rejected_requests")
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "a bearer token is required: send authorization: Bearer <token> metadata "
                "(OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>)",
            )
        client = peer_address(context.peer() or "")
        if not self.admission.try_enter(client):
            self.pipeline.count("saturated_requests")
            context.abort(
                grpc.StatusCode.UNAVAILABLE,
                "receiver saturated: too many requests in flight; retry later",
            )
        try:
            try:
                store = self.pipeline.store
                batch = otlp.decode(
                    request, otlp.PROTOBUF, retention_s=store.retention_s, now_s=store.clock()
                )
            except IngestError as exc:
                self.pipeline.count("rejected_requests")
                too_big = exc.status == 413
                code = (
                    grpc.StatusCode.RESOURCE_EXHAUSTED
                    if too_big
                    else grpc.StatusCode.INVALID_ARGUMENT
                )
                context.abort(code, str(exc))
            ticket = self.pipeline.submit(batch.records, rejected=batch.rejected)
            if ticket is None or not self.pipeline.wait_stored(ticket):
                context.abort(
                    grpc.StatusCode.UNAVAILABLE,
                    "receiver busy: the spans were not stored yet; retry later",
                )
            return otlp.response_body(batch, otlp.PROTOBUF)
        finally:
            self.admission.leave(client)


def peer_address(peer: str) -> str:
    """`ipv4:10.0.0.5:51234` -> `10.0.0.5`; `ipv6:[::1]:51234` -> `::1`."""
    _, _, rest = peer.partition(":")
    if rest.startswith("%5B") or rest.startswith("["):
        rest = rest.replace("%5B", "[").replace("%5D", "]")
        return rest[1 : rest.find("]")] if "]" in rest else rest
    host, _, port = rest.rpartition(":")
    return host if port.isdigit() else rest
