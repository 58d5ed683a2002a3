"""OTLP/HTTP trace receiver on the standard library (`ThreadingHTTPServer`).

`POST /v1/traces` with `application/x-protobuf` or `application/json`, optionally gzip.
Answers as the OTLP/HTTP spec asks: 200 with an `ExportTraceServiceResponse` (partial
success when some spans were invalid), 400 with a `google.rpc.Status` saying what is wrong,
413 for a body over the limit, 415 for an unsupported content type or encoding, and 503
with `Retry-After` when too many requests are in flight, which OTel exporters retry.
A refused request never touches what is already stored.
"""

from __future__ import annotations

import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from charter import IngestError
from monitor_tui.ingest import otlp
from monitor_tui.ingest.admission import Admission
from monitor_tui.ingest.pipeline import IngestPipeline

log = logging.getLogger(__name__)

TRACES_PATH = "/v1/traces"
DEFAULT_PORT = 4318
DEFAULT_MAX_BODY = 16 * 1024 * 1024
DEFAULT_MAX_INFLIGHT = 32
RETRY_AFTER_S = 1
DRAIN_LIMIT = 64 * 1024 * 1024
"""After a 413 the rest of the body is read and discarded, up to this much, so the client
sees the answer instead of a reset connection; a longer body is cut off."""
SOCKET_TIMEOUT_S = 30.0
_GRPC_CODE = {400: 3, 413: 8, 415: 3, 404: 5, 405: 12, 411: 3, 503: 14}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    receiver: HttpReceiver


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
    ) -> None:
        self.pipeline = pipeline
        self.host = host
        self.max_body = max_body
        self.admission = Admission(max_inflight)
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
    timeout = SOCKET_TIMEOUT_S
    server_version = "charter-otlp"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("otlp-http %s", format % args)

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
        if not receiver.admission.try_enter():
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
            receiver.admission.leave()

    def _ingest(self, receiver: HttpReceiver) -> None:
        media = self._reply_media()
        try:
            body = self._read_body(receiver.max_body)
            media = otlp.media_type(self.headers.get("Content-Type"))
            body = otlp.decompress(
                body, self.headers.get("Content-Encoding"), limit=receiver.max_body
            )
            batch = otlp.decode(body, media)
        except IngestError as exc:
            receiver.pipeline.count("rejected_requests")
            if self._unread:
                self._drain_body()
            self._reply_error(exc.status, str(exc), media)
            return
        receiver.pipeline.submit(batch.records, rejected=batch.rejected)
        self._reply(200, otlp.response_body(batch, media), media)

    # --- body handling ---------------------------------------------------------------

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked(limit)
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            self.close_connection = True
            raise IngestError("Content-Length or chunked Transfer-Encoding is required", status=411)
        try:
            length = int(raw_length)
        except ValueError:
            self.close_connection = True
            raise IngestError(f"Content-Length {raw_length[:20]!r} is not a number") from None
        if length < 0:
            self.close_connection = True
            raise IngestError("Content-Length must not be negative")
        if length > limit:
            self._unread = length
            raise IngestError(
                f"body of {length} bytes exceeds the {limit} byte limit; send smaller batches "
                "(lower the exporter's max batch size)",
                status=413,
            )
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            raise IngestError(f"body ended after {len(body)} of {length} bytes")
        return body

    def _read_chunked(self, limit: int) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).strip()
            try:
                size = int(line.split(b";", 1)[0], 16)
            except ValueError:
                self.close_connection = True
                raise IngestError("malformed chunked body") from None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(parts)
            total += size
            if total > limit:
                self.close_connection = True
                raise IngestError(
                    f"body exceeds the {limit} byte limit; send smaller batches", status=413
                )
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    _unread = 0

    def _drain_body(self) -> None:
        """Read and drop the rest of an oversized body, then close the connection."""
        self.close_connection = True
        remaining = min(self._unread, DRAIN_LIMIT)
        self._unread = 0
        try:
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
        except (TimeoutError, OSError):
            pass

    def _discard_body(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > DRAIN_LIMIT or length < 0 or "Transfer-Encoding" in self.headers:
            self.close_connection = True
            return
        self._unread = length
        self._drain_body()
        self.close_connection = False

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
    ) -> None:
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if allow is not None:
            headers["Allow"] = allow
        body = otlp.error_body(message, _GRPC_CODE.get(status, 2), media)
        self._reply(status, body, media, headers)

    def _reply(
        self, status: int, body: bytes, media: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
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
