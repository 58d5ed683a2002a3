"""The application's end of the decision log's writer process (`AuditLog(writer="process")`).

Why a process: on a busy machine the writer *thread* costs every guarded call far more than
its own work, because it shares one interpreter with the calls (bench/results.md, "what the
audit log's share of a guarded call is made of"); a process shares nothing. And what
reached the process survives the application: killed outright, its end of the pipe closes
and the child writes everything it was sent before it exits.

Records go down the child's stdin as frames (4-byte big-endian length, then the pickled
`Pending`); a frame of length 0 asks for a write and an acknowledgement now. The child
answers on its stdout with one JSON line per batch of *cumulative* counts, so any line is
the whole state and a line it could not send is carried by the next. Both pipes are
non-blocking here: `send` waits for room at most as long as it is told, and a frame once
begun is always finished (a half frame would garble every record after it).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from charter.audit._append import Pending
from charter.audit._stats import AuditStats
from charter.audit.checkpoint import Checkpointer
from charter.errors import AuditError, ConfigurationError

FRAME = struct.Struct(">I")
HURRY = FRAME.pack(0)
"""A frame of length 0: write what you have and acknowledge now (flush)."""

_PIPE_BYTES = 1 << 20
"""Asked for as the pipe's size (Linux caps it at /proc/sys/fs/pipe-max-size, 1 MiB by
default): about 700 records in flight before `send` waits."""
_F_SETPIPE_SZ = 1031
"""fcntl.F_SETPIPE_SZ (Linux; the fcntl module names it only from Python 3.10 on Linux)."""
_POLL_EVERY = 64
"""Records between two reads of the child's acknowledgements."""
_KILL_AFTER_S = 2.0
"""After `close` gave up and told the child to stop, how long it has to end by itself."""
_RESTART_EVERY_S = 5.0
"""The shortest time between two starts of a writer process for one log."""
_open: weakref.WeakSet[WriterProcess] = weakref.WeakSet()
_log = logging.getLogger("charter.audit")


@dataclass(frozen=True, slots=True)
class Progress:
    """The child's cumulative counts, as of its last acknowledgement read here."""

    written: int = 0
    marked: int = 0
    lost: int = 0
    error: str | None = None
    failing: bool = False
    checkpoints: int = 0


class WriterProcess:
    """One child process writing the records of one `AuditLog`. Thread-safe."""

    def __init__(
        self,
        url: str,
        checkpoints: Checkpointer,
        batch: int,
        linger_s: float,
        close_timeout: float,
    ) -> None:
        """Start the child for the store at `url`; it writes the checkpoint file that
        `checkpoints` names, and its checkpoints' spans go out through `checkpoints` here."""
        settings = {
            "url": url,
            "store": checkpoints.store,
            "checkpoint_file": str(checkpoints.path) if checkpoints.path else None,
            "checkpoint_every": checkpoints.every,
            "checkpoint_interval_s": checkpoints.interval_s,
            "batch": batch,
            "linger_s": linger_s,
            "close_timeout": close_timeout,
        }
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "charter.audit._child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._out = self._proc.stdin.fileno()
        self._in = self._proc.stdout.fileno()
        with contextlib.suppress(OSError):  # not Linux, or a lower cap: less slack, still works
            import fcntl

            fcntl.fcntl(self._out, _F_SETPIPE_SZ, _PIPE_BYTES)
        self._write_all((json.dumps(settings) + "\n").encode())  # the URL never goes to argv
        os.set_blocking(self._out, False)
        os.set_blocking(self._in, False)
        self._on_checkpoint = checkpoints.relayed
        self._send_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._partial = b""
        self.progress = Progress()
        self.accepted = 0
        self.ended = False
        _open.add(self)

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def exit_code(self) -> int | None:
        """The child's exit status; None while it runs."""
        return self._proc.poll()

    # --- sending ----------------------------------------------------------------------------

    def send(self, pending: Pending, full_wait_s: float) -> str | None:
        """Hand one record to the child; None when sent, else why it was not. A full pipe is
        waited on up to `full_wait_s`, unless the child reported a failing store."""
        frame = pickle.dumps(pending.to_wire(), protocol=pickle.HIGHEST_PROTOCOL)
        with self._send_lock:
            why = self._send(frame, 0.0 if self.progress.failing else full_wait_s)
            if why is None:
                self.accepted += 1
                poll = self.accepted % _POLL_EVERY == 0
        if why is not None or poll:
            self.poll()  # the child's acknowledgements never pile up unread
        return why

    def _send(self, frame: bytes, wait_s: float) -> str | None:
        if self.ended:
            return self._why_ended()
        data = FRAME.pack(len(frame)) + frame
        try:
            sent = os.write(self._out, data)
        except BlockingIOError:
            if not self._wait_writable(wait_s):
                return "the writer process is behind (its pipe stayed full)"
            sent = 0
        except OSError:  # the child is gone (EPIPE)
            self.ended = True
            return self._why_ended()
        return self._finish(data, sent)

    def hurry(self) -> None:
        with self._send_lock:
            if not self.ended:
                self._finish(HURRY, 0)

    def _finish(self, data: bytes, sent: int) -> str | None:
        view = memoryview(data)
        while sent < len(data):
            try:
                sent += os.write(self._out, view[sent:])
            except BlockingIOError:
                if not self._wait_writable(1.0) and self._proc.poll() is not None:
                    self.ended = True
                    return self._why_ended()
            except OSError:
                self.ended = True
                return self._why_ended()
        return None

    def _wait_writable(self, timeout: float) -> bool:
        _, ready, _ = select.select([], [self._out], [], max(timeout, 0.0))
        return bool(ready)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._out, view) :]

    def _why_ended(self) -> str:
        code = self.exit_code
        state = "is closed" if code is None else f"ended (exit status {code})"
        return f"the writer process {state}"

    # --- reading acknowledgements -----------------------------------------------------------

    def poll(self, timeout: float = 0.0) -> Progress:
        """Read what the child acknowledged (waiting up to `timeout` for a first line)."""
        with self._read_lock:
            if timeout > 0:
                select.select([self._in], [], [], timeout)
            while True:
                try:
                    chunk = os.read(self._in, 1 << 16)
                except (BlockingIOError, ValueError, OSError):
                    break
                if not chunk:
                    self.ended = True
                    break
                self._partial += chunk
            if b"\n" in self._partial:
                lines, self._partial = self._partial.rsplit(b"\n", 1)
                for line in lines.split(b"\n"):
                    self._take(json.loads(line))
            return self.progress

    def _take(self, doc: dict[str, Any]) -> None:
        self.progress = Progress(
            written=doc["written"],
            marked=doc["marked"],
            lost=doc["lost"],
            error=doc["error"],
            failing=doc["failing"],
            checkpoints=doc["checkpoints"],
        )
        for checkpoint in doc["relay"]:
            self._on_checkpoint(checkpoint)

    def stats(self, dropped: int, checkpoints_here: int) -> AuditStats:
        p = self.poll()
        return AuditStats(
            written=p.written,
            dropped=dropped,
            queued=self.accepted - p.written - p.lost,
            lost=p.lost,
            last_error=p.error,
            marked=p.marked,
            checkpoints=checkpoints_here + p.checkpoints,
        )

    def flush(self, timeout: float | None) -> None:
        """`AuditLog.flush`: wait until the child has written all that it was sent."""
        target = self.accepted
        if not self.wait_for(lambda p: p.written + p.lost >= target, timeout):
            p = self.progress
            raise AuditError(
                f"{target - p.written - p.lost} decision records are still waiting to be "
                f"written after {timeout}s; the writer process (pid {self.pid}) keeps them"
                + (f" (last store error: {p.error})" if p.error else "")
            )

    def wait_for(self, done: Callable[[Progress], bool], timeout: float | None) -> bool:
        """Ask for a write now, then read acknowledgements until `done` or the timeout."""
        self.hurry()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not done(self.poll()):
            if self.ended and self._proc.poll() is not None:
                return done(self.poll())
            left = 0.5 if deadline is None else min(deadline - time.monotonic(), 0.5)
            if left <= 0:
                return False
            self.poll(left)
        return True

    # --- ending -------------------------------------------------------------------------------

    def close(self, timeout: float) -> Progress:
        """End the child's input and let it write what it has, for up to `timeout` seconds;
        then tell it to give up (what is left counts as lost)."""
        with self._send_lock:
            self.ended = True
            self._close_pipe(self._proc.stdin)
        deadline = time.monotonic() + timeout
        while self._proc.poll() is None and time.monotonic() < deadline:
            self.poll(min(0.2, max(deadline - time.monotonic(), 0.0)))
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGUSR1)
            try:
                self._proc.wait(_KILL_AFTER_S)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        os.set_blocking(self._in, True)
        self.poll()
        self._close_pipe(self._proc.stdout)
        _open.discard(self)
        return self.progress

    @staticmethod
    def _close_pipe(pipe: Any) -> None:
        with contextlib.suppress(OSError):
            pipe.close()

    def forget(self) -> None:
        """In a forked child: drop this process's pipes without touching the writer, so that
        it still sees its input end when the parent closes or dies."""
        self.ended = True
        for pipe in (self._proc.stdin, self._proc.stdout):
            self._close_pipe(pipe)


class RestartingWriter:
    """The writer process of one `AuditLog`, started again when it dies (killed, picked by
    the out-of-memory killer): without this the application ran unaudited for the rest of
    its life, every later record dropped behind one rate-limited warning (found by
    probing). What the dead child had been sent and not written is lost: counted in
    `stats.lost` and logged as an error. A restart at most every `_RESTART_EVERY_S`, so a
    child that cannot start is no fork loop (records are dropped in between, as before)."""

    def __init__(self, *args: Any) -> None:
        self._args = args
        self._lock = threading.Lock()
        self._current = WriterProcess(*args)
        self._retired = Progress()
        self._restarted_at = float("-inf")
        self.restarts = 0

    @property
    def pid(self) -> int:
        return self._current.pid

    def send(self, pending: Pending, full_wait_s: float) -> str | None:
        writer = self._current
        why = writer.send(pending, full_wait_s)
        if why is not None and self._replaced(writer):
            why = self._current.send(pending, full_wait_s)
        return why

    def _replaced(self, dead: WriterProcess) -> bool:
        with self._lock:
            if self._current is not dead:
                return True  # another thread started the new one
            now = time.monotonic()
            code = dead.exit_code
            if code is None or now - self._restarted_at < _RESTART_EVERY_S:
                return False  # alive (its pipe was full), or restarted a moment ago
            last = dead.close(0.0)
            unwritten = dead.accepted - last.written - last.lost
            r = self._retired
            self._retired = Progress(
                written=r.written + last.written,
                marked=r.marked + last.marked,
                lost=r.lost + last.lost + unwritten,
                checkpoints=r.checkpoints + last.checkpoints,
            )
            self._current = WriterProcess(*self._args)
            self._restarted_at = now
            self.restarts += 1
        _log.error(
            "decision log: the writer process ended (exit status %s) with %d records it had "
            "not written: they are lost; writer process %d takes over",
            code,
            unwritten,
            self._current.pid,
        )
        return True

    def stats(self, dropped: int, checkpoints_here: int) -> AuditStats:
        now, r = self._current.stats(dropped, checkpoints_here), self._retired
        return replace(
            now,
            written=now.written + r.written,
            marked=now.marked + r.marked,
            lost=now.lost + r.lost,
            checkpoints=now.checkpoints + r.checkpoints,
        )

    def flush(self, timeout: float | None) -> None:
        self._current.flush(timeout)

    def close(self, timeout: float) -> Progress:
        return self._current.close(timeout)


def _after_fork_in_child() -> None:
    for writer in list(_open):
        writer.forget()
    _open.clear()


def require_url(store: object) -> str:
    if os.name != "posix":
        raise ConfigurationError("writer='process' needs a POSIX system; use writer='thread'")
    if not isinstance(store, str):
        raise ConfigurationError(
            "writer='process' needs the store as a URL: the writer process opens its own "
            "connection (an Engine cannot be handed to another process)"
        )
    return store


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
