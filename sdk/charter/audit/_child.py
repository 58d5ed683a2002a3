"""The decision log's writer process: `python -m charter.audit._child`, started by
`AuditLog(writer="process")` (see `_process` for why and for the framing).

It reads one JSON line of settings, then framed records, and writes them in batches through
the same `Appender` as the writer thread (markers, retries with backoff, checkpoints). It
acknowledges with cumulative counts, so an acknowledgement that cannot be sent at once is
simply carried by the next. It ignores SIGINT and SIGTERM, which a terminal or a process
manager sends to the whole group: it ends when its input ends, which happens when the
application closes the log or dies, and it first writes everything that reached it (giving
up on a failing store `close_timeout` seconds after the end).
"""

from __future__ import annotations

import json
import os
import pickle
import select
import signal
import sys
import time
from typing import Any

from charter.audit._append import Appended, Appender, Pending
from charter.audit._process import FRAME
from charter.audit.checkpoint import Checkpoint, Checkpointer
from charter.store.db import connect

_READ = 1 << 20
_BUFFERED = 8 << 20
"""Records read ahead while the store fails, at most (then the pipe fills and the
application waits or drops, as it does for the writer thread's full queue)."""
_ERROR_CHARS = 500
"""An acknowledgement stays under PIPE_BUF (4096 bytes), so its write is all or nothing."""


class _RelayedCheckpoints(Checkpointer):
    """Writes the checkpoint file here; the span goes out in the application's process,
    through its tracer provider, when it reads the acknowledgement."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.relay: list[dict[str, Any]] = []

    def _span(self, checkpoint: Checkpoint) -> None:
        self.relay.append(
            {"head_seq": checkpoint.head_seq, "head_hash": checkpoint.head_hash,
             "time": checkpoint.time, "store": checkpoint.store}
        )  # fmt: skip


class _Child:
    def __init__(self, settings: dict[str, Any], ack_fd: int, frames: _Frames) -> None:
        self.ack_fd = ack_fd
        self.frames = frames
        self.batch = int(settings["batch"])
        self.linger_s = float(settings["linger_s"])
        self.close_timeout = float(settings["close_timeout"])
        self.checkpoints = _RelayedCheckpoints(
            settings["checkpoint_file"],
            store=settings["store"],
            every=int(settings["checkpoint_every"]),
            interval_s=float(settings["checkpoint_interval_s"]),
        )
        self.appender = Appender(connect(settings["url"]), self.checkpoints, self._retrying)
        self.totals = Appended()
        self.failing = False
        self.unsent = False
        self.ended_at: float | None = None  # when the input ended
        self.stop = False  # SIGUSR1: the application's close() gave up waiting

    def note_end(self) -> None:
        if self.frames.ended and self.ended_at is None:
            self.ended_at = time.monotonic()

    def _retrying(self, reason: str, waiting: int, retry_in: float) -> None:
        self.totals.errors[:] = [reason]
        self.failing = True
        self.acknowledge()  # the application stops waiting for room at once

    def give_up(self, delay: float) -> bool:
        """Between retries of a failing store: stop when told to, or `close_timeout` after
        the input ended (the application is gone; keep reading to notice that)."""
        if len(self.frames.buf) < _BUFFERED:
            self.frames.read(0)
            self.note_end()
        if self.stop or (
            self.ended_at is not None
            and time.monotonic() + delay > self.ended_at + self.close_timeout
        ):
            return True
        time.sleep(delay)
        return self.stop

    def write(self, batch: list[Pending]) -> None:
        done = self.appender.write(batch, self.give_up)
        self.totals.written += done.written
        self.totals.marked += done.marked
        self.totals.lost += done.lost
        if done.errors:
            self.totals.errors[:] = done.errors[-1:]
        self.failing = done.failing

    def acknowledge(self) -> None:
        error = self.totals.errors[-1][:_ERROR_CHARS] if self.totals.errors else None
        line = (
            json.dumps(
                {
                    "written": self.totals.written,
                    "marked": self.totals.marked,
                    "lost": self.totals.lost,
                    "error": error,
                    "failing": self.failing,
                    "checkpoints": self.checkpoints.written,
                    "relay": self.checkpoints.relay[-8:],
                }
            ).encode()
            + b"\n"
        )
        try:
            os.write(self.ack_fd, line)
        except BlockingIOError:  # the application is not reading: the next one carries it
            self.unsent = True
            return
        except BrokenPipeError:
            return
        self.unsent = False
        self.checkpoints.relay.clear()


class _Frames:
    """Framed records from fd 0, read as they come."""

    def __init__(self, start: bytes) -> None:
        self.buf = bytearray(start)
        self.ended = False

    def read(self, timeout: float | None) -> None:
        if self.ended:
            return
        ready, _, _ = select.select([0], [], [], timeout)
        if ready:
            chunk = os.read(0, _READ)
            if chunk:
                self.buf += chunk
            else:
                self.ended = True

    def take(self, limit: int) -> tuple[list[Pending], bool]:
        """Up to `limit` complete records, and whether a flush was asked for."""
        records: list[Pending] = []
        hurry = False
        while len(records) < limit and len(self.buf) >= FRAME.size:
            (size,) = FRAME.unpack_from(self.buf)
            if len(self.buf) < FRAME.size + size:
                break
            payload = bytes(self.buf[FRAME.size : FRAME.size + size])
            del self.buf[: FRAME.size + size]
            if size == 0:
                hurry = True
                continue
            records.append(Pending.from_wire(pickle.loads(payload)))
        return records, hurry


def _settings() -> tuple[dict[str, Any], bytes]:
    data = b""
    while b"\n" not in data:
        chunk = os.read(0, _READ)
        if not chunk:
            raise SystemExit(0)  # the application went away before it sent anything
        data += chunk
    line, rest = data.split(b"\n", 1)
    return json.loads(line), rest


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ack_fd = os.dup(1)
    os.dup2(2, 1)  # a stray print goes to stderr, never into the acknowledgements
    os.set_blocking(ack_fd, False)
    settings, rest = _settings()
    frames = _Frames(rest)
    child = _Child(settings, ack_fd, frames)

    def stop(signum: int, frame: object) -> None:
        child.stop = True

    signal.signal(signal.SIGUSR1, stop)
    while True:
        batch, hurry = frames.take(child.batch)
        if not batch and not hurry:
            if frames.ended:
                break
            frames.read(0.05 if child.unsent else None)
            if child.unsent:
                child.acknowledge()
            continue
        if len(batch) < child.batch and not hurry and not frames.ended and child.linger_s:
            # Asleep, not in select(): a record written meanwhile wakes nobody (a wake-up
            # costs the sender's CPU), and the next batch takes it.
            time.sleep(child.linger_s)
            frames.read(0)
            more, hurry = frames.take(child.batch - len(batch))
            batch += more
        child.note_end()
        if batch:
            child.write(batch)
        child.acknowledge()
    child.checkpoints.final()
    os.set_blocking(ack_fd, True)  # the application reads until this process ends
    child.acknowledge()
    return 0


if __name__ == "__main__":
    sys.exit(main())
