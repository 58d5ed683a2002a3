"""OTLP/HTTP trace receiver on the standard library (`ThreadingHTTPServer`).

`POST /v1/traces` with `application/x-protobuf` or `application/json`, optionally gzip.
Answers as the OTLP/HTTP spec asks: 200 with an `ExportTraceServiceResponse` (partial
success when some spans were invalid), 400 with a `google.rpc.Status` saying what is wrong,
401 without the bearer token (when one is set, see `auth`), 408 for a request that does not
arrive within `read_timeout`, 413 for a body over the limit, 415 for an unsupported content
type or encoding, and 503 with `Retry-After` when too many requests are in flight (in all,
or from one client address) or the spans could not be stored in time, which OTel exporters
retry. A 200 is sent only once the request's spans are stored (see `pipeline`).

Hostile clients are bounded: bodies by size while they stream in (`http_body`), every
request by time, connections (each holds a thread) in total and per client address, work
in flight in total and per client. A refused request never touches what is stored.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from charter import IngestError
from monitor_tui.ingest import http_body, otlp
from monitor_tui.ingest.admission import Admission
from monitor_tui.ingest.auth import BearerToken
from monitor_tui.ingest.pipeline import IngestPipeline

log = logging.getLogger(__name__)

TRACES_PATH = "/v1/traces"
DEFAULT_PORT = 4318
DEFAULT_MAX_BODY = 16 * 1024 * 1024
DEFAULT_MAX_INFLIGHT = 32
DEFAULT_MAX_CONNECTIONS = 256
DEFAULT_READ_TIMEOUT_S = 30.0
RETRY_AFTER_S = 1
DRAIN_LIMIT = 64 * 1024 * 1024
"""After a 413 the rest of the body is read and discarded, up to this much, so the client
sees the answer instead of a reset connection; a longer body is cut off."""
IDLE_READ_S = 10.0
"""Longest wait for any single read; the request as a whole has `read_timeout`."""
_GRPC_CODE = {400: 3, 401: 16, 408: 4, 413: 8, 415: 3, 404: 5, 405: 12, 411: 3, 503: 14}
_REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    receiver: HttpReceiver

    def process_request(self, request: Any, client_address: Any) -> None:
        """Each connection holds a thread: refuse one past the limits at once."""
        client = str(client_address[0])
        if not self.receiver.connections.try_enter(client):
            self.receiver.pipeline.count("saturated_requests")
            try:
                request.settimeout(1.0)
                request.sendall(_REFUSED)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.receiver.connections.leave(client)
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that resets or hangs up mid-request is no error of the receiver: its
        connection ends quietly. Anything else is one log line. (socketserver's own printed
        a traceback to stderr, over the console, for every reset a client sent.)"""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        log.warning(
            "otlp-http: a request from %s failed: %s", client_address[0], type(exc).__name__
        )

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.receiver.connections.leave(str(client_address[0]))


class HttpReceiver:
    """Serve OTLP/HTTP on `host:port` (port 0: any free port; see `.port` after `start`)."""

    def __init__(
        self,
        pipeline: IngestPipeline,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        max_body: int = DEFAULT_MAX_BODY,
        max_inflight: int = DEFAULT_MAX_INFLIGHT,
        max_inflight_per_client: int | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_connections_per_client: int | None = None,
        read_timeout: float = DEFAULT_READ_TIMEOUT_S,
        token: BearerToken | None = None,
    ) -> None:
        """Per-client limits default to a quarter of the totals."""
        self.pipeline = pipeline
        self.host = host
        self.max_body = max_body
        self.read_timeout = read_timeout
        self.token = token or BearerToken(None)
        self.admission = Admission(max_inflight, max_inflight_per_client)
        self.connections = Admission(max_connections, max_connections_per_client)
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}{TRACES_PATH}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Bind and serve in a background thread; raises `IngestError` if the port is taken."""
        if self.running:
            return
        try:
            server = _Server((self.host, self._requested_port), _Handler)
        except OSError as exc:
            raise IngestError(
                f"cannot listen for OTLP/HTTP on {self.host}:{self._requested_port}: "
                f"{exc.strerror or exc}; pick another port (--port) or stop the other receiver",
                status=503,
            ) from None
        server.receiver = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            name="otlp-http",
            kwargs={"poll_interval": 0.2},
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._thread = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = IDLE_READ_S
    server_version = "charter-otlp"
    sys_version = ""
    _unread = 0

    def setup(self) -> None:
        super().setup()
        self._deadline = http_body.DeadlineSocket(self.connection, IDLE_READ_S)
        self.rfile = io.BufferedReader(self._deadline, 64 * 1024)

    def handle_one_request(self) -> None:
        # The whole request, from its first byte (or the wait for it on a kept-alive
        # connection) to the end of its body, must arrive within the read timeout.
        self._deadline.deadline = time.monotonic() + self.server.receiver.read_timeout
        self._unread = 0
        try:
            super().handle_one_request()
        except TimeoutError:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("otlp-http %s", format % args)

    @property
    def client(self) -> str:
        return str(self.client_address[0])

    def do_GET(self) -> None:
        self._reply_error(405, "use POST to send spans to /v1/traces", otlp.JSON, allow="POST")

    do_PUT = do_DELETE = do_PATCH = do_GET

    def do_POST(self) -> None:
        receiver = self.server.receiver
        path = self.path.split("?", 1)[0]
        if path != TRACES_PATH:
            self._discard_body()
            self._reply_error(
                404,
                f"unknown path {path[:100]!r}; this receiver takes traces at {TRACES_PATH}",
                otlp.JSON,
            )
            return
        if not receiver.token.accepts(self.headers.get("Authorization")):
            receiver.pipeline.count("rejected_requests")
            self.close_connection = True  # the body of a stranger is not read
            self._reply_error(
                401,
                "a bearer token is required: send Authorization: Bearer <token> "
                "(OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>)",
                self._reply_media(),
                authenticate='Bearer realm="charter"',
            )
            return
        if not receiver.admission.try_enter(self.client):
            receiver.pipeline.count("saturated_requests")
            self._discard_body()
            self._reply_error(
                503,
                "receiver saturated: too many requests in flight; retry later",
                self._reply_media(),
                retry_after=RETRY_AFTER_S,
            )
            return
        try:
            self._ingest(receiver)
        finally:
            receiver.admission.leave(self.client)

    def _ingest(self, receiver: HttpReceiver) -> None:
        media = self._reply_media()
        try:
            body = self._read_body(receiver.max_body)
            media = otlp.media_type(self.headers.get("Content-Type"))
            body = otlp.decompress(
                body, self.headers.get("Content-Encoding"), limit=receiver.max_body
            )
            store = receiver.pipeline.store
            batch = otlp.decode(body, media, retention_s=store.retention_s, now_s=store.clock())
        except IngestError as exc:
            receiver.pipeline.count("rejected_requests")
            if self._unread:
                self._drain_body()
            self._reply_error(exc.status, str(exc), media)
            return
        except TimeoutError:
            receiver.pipeline.count("rejected_requests")
            self.close_connection = True
            self._reply_error(
                408, f"the request did not arrive within {receiver.read_timeout:g}s", media
            )
            return
        ticket = receiver.pipeline.submit(batch.records, rejected=batch.rejected)
        if ticket is None or not receiver.pipeline.wait_stored(ticket):
            # Not stored (no room, stopping, or the store is slow): never a 200 for spans
            # that could still be lost. Spans already queued are stored all the same.
            self._reply_error(
                503,
                "receiver busy: the spans were not stored yet; retry later",
                media,
                retry_after=RETRY_AFTER_S,
            )
            return
        self._reply(200, otlp.response_body(batch, media), media)

    # --- body handling ---------------------------------------------------------------

    def _read_body(self, limit: int) -> bytes:
        try:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                return http_body.read_chunked(self.rfile, limit)
            raw_length = self.headers.get("Content-Length")
            if raw_length is None:
                raise IngestError(
                    "Content-Length or chunked Transfer-Encoding is required", status=411
                )
            return http_body.read_sized(self.rfile, raw_length, limit)
        except http_body.BodyTooLarge as exc:
            self._unread = exc.unread
            self.close_connection = True
            raise
        except IngestError:
            self.close_connection = True  # where the next request starts is unknown
            raise

    def _drain_body(self) -> None:
        """Read and drop the rest of an oversized body, then close the connection."""
        self.close_connection = True
        remaining, self._unread = min(self._unread, DRAIN_LIMIT), 0
        http_body.drain(self.rfile, remaining)

    def _discard_body(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > DRAIN_LIMIT or length < 0 or "Transfer-Encoding" in self.headers:
            self.close_connection = True
            return
        http_body.drain(self.rfile, length)

    # --- replies ---------------------------------------------------------------------

    def _reply_media(self) -> str:
        try:
            return otlp.media_type(self.headers.get("Content-Type"))
        except IngestError:
            return otlp.JSON

    def _reply_error(
        self,
        status: int,
        message: str,
        media: str,
        *,
        retry_after: int | None = None,
        allow: str | None = None,
        authenticate: str | None = None,
    ) -> None:
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if allow is not None:
            headers["Allow"] = allow
        if authenticate is not None:
            headers["WWW-Authenticate"] = authenticate
        body = otlp.error_body(message, _GRPC_CODE.get(status, 2), media)
        self._reply(status, body, media, headers)

    def _reply(
        self, status: int, body: bytes, media: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.connection.settimeout(IDLE_READ_S)  # reads may have left it near zero
            self.send_response(status, HTTPStatus(status).phrase)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True
