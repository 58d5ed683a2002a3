"""Reading an OTLP/HTTP request body within bounds of size and time.

- Size: `Content-Length` is checked before a byte is read; a chunked body is counted chunk
  by chunk and refused (413) the moment it passes the limit, so memory never holds more
  than the limit whatever the client claims. Chunk sizes must be plain hex (a `-1` once
  made the reader take the whole stream).
- Time: every request (request line, headers and body) must arrive within the receiver's
  `read_timeout`; `DeadlineSocket` turns the socket's per-read timeout into that deadline,
  so a client sending a byte every few seconds (slowloris) is cut off all the same.
"""

from __future__ import annotations

import io
import re
import socket
import time
from typing import Protocol

from charter import IngestError

MAX_LINE = 1024
MAX_TRAILERS = 32
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,8}")


class Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


class DeadlineSocket(io.RawIOBase):
    """The socket as a raw stream whose reads fail with `TimeoutError` once `deadline`
    (a `time.monotonic()` value) has passed; None: only the socket's own timeout."""

    def __init__(self, sock: socket.socket, idle_timeout: float) -> None:
        self._sock = sock
        self._idle = idle_timeout
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wait = self._idle
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request took longer than the read timeout")
            wait = min(wait, left)
        self._sock.settimeout(wait)
        return self._sock.recv_into(buffer)


class BodyTooLarge(IngestError):
    def __init__(self, message: str, unread: int = 0) -> None:
        super().__init__(message, status=413)
        self.unread = unread
        """Bytes of a Content-Length body left unread (0 when the length is unknown)."""


def read_sized(rfile: Reader, raw_length: str, limit: int) -> bytes:
    """A `Content-Length` body."""
    if not raw_length.strip().isdigit():
        raise IngestError(f"Content-Length {raw_length[:20]!r} is not a whole number")
    length = int(raw_length)
    if length > limit:
        raise BodyTooLarge(
            f"body of {length} bytes exceeds the {limit} byte limit; send smaller batches "
            "(lower the exporter's max batch size)",
            unread=length,
        )
    body = rfile.read(length)
    if len(body) != length:
        raise IngestError(f"body ended after {len(body)} of {length} bytes")
    return body


def read_chunked(rfile: Reader, limit: int) -> bytes:
    """A `Transfer-Encoding: chunked` body, refused as soon as it passes `limit`."""
    parts: list[bytes] = []
    total = 0
    while True:
        line = _line(rfile)
        size_field = line.split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_field):
            raise IngestError("malformed chunked body: a chunk size must be hexadecimal")
        size = int(size_field, 16)
        if size == 0:
            for _ in range(MAX_TRAILERS):
                if not _line(rfile).strip():
                    return b"".join(parts)
            raise IngestError("malformed chunked body: too many trailer lines")
        total += size
        if total > limit:
            raise BodyTooLarge(
                f"body exceeds the {limit} byte limit; send smaller batches "
                "(lower the exporter's max batch size)"
            )
        chunk = rfile.read(size)
        if len(chunk) != size:
            raise IngestError("chunked body ended inside a chunk")
        parts.append(chunk)
        if _line(rfile).strip():
            raise IngestError("malformed chunked body: a chunk is longer than its size")


def _line(rfile: Reader) -> bytes:
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise IngestError(f"malformed chunked body: a line is longer than {MAX_LINE} bytes")
    if not line.endswith(b"\n"):
        raise IngestError("chunked body ended before its last chunk")
    return line


def drain(rfile: Reader, remaining: int) -> None:
    """Read and drop up to `remaining` bytes (so the client sees our answer rather than a
    reset connection); gives up quietly on timeouts and closed connections."""
    try:
        while remaining > 0:
            chunk = rfile.read(min(remaining, 1 << 20))
            if not chunk:
                return
            remaining -= len(chunk)
    except (TimeoutError, OSError):
        return
