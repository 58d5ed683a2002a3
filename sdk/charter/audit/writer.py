"""`AuditLog`: appends decisions to the hash-chained log, off the hot path or before it.

`mode="async"` (the default): `record()` only snapshots the decision and puts it on a
bounded queue, so the guarded call never waits for the database. A writer thread drains
the queue in batches; each batch is one transaction that locks the chain head, numbers and
hashes the records, and moves the head (`_thread`).
`mode="sync"`: `record()` writes the record before it returns, or raises `AuditError`
(`_sync`).
`writer="process"` (async): a child process writes the batches instead (`_process`), off
the calls' interpreter, and what it was sent survives the application's kill -9.

Nothing is lost quietly: a full queue makes `record()` wait for room (up to `full_wait_s`)
while the store is writing, so a busy application slows to the log's pace rather than
losing records; with the store failing, or after that wait, the record is counted in
`stats.dropped` and a warning logged. A failing store is retried with backoff (the batch is
kept); a record that cannot be written at all is replaced by a marker record (`stats.marked`,
see `_append`); what cannot be written by `close()` is counted and logged as an error. A
record after `close()` (of a call that was running when its `Charter` closed) is written on
the caller's thread, unless the process is ending. The queue is written at exit, on
`close()` and on SIGTERM (see `_shutdown`); a process killed outright loses the records
still queued (those of the last linger and commit, in practice).
Log lines carry counts and error classes only, never decision content.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import queue
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from sqlalchemy import Engine

from charter._open_streams import close_all as close_open_streams
from charter.audit import _shutdown
from charter.audit._append import RETRY_FIRST_S, RETRY_MAX_S, Appended, Appender, Pending
from charter.audit._process import RestartingWriter, require_url
from charter.audit._stats import AuditStats
from charter.audit._sync import write_late, write_now
from charter.audit._thread import STOP as _STOP
from charter.audit._thread import drain
from charter.audit.checkpoint import (
    DEFAULT_EVERY,
    DEFAULT_INTERVAL_S,
    Checkpointer,
    default_checkpoint_file,
)
from charter.decision import Decision
from charter.errors import AuditError, ConfigurationError
from charter.policy.input import PolicyInput
from charter.pseudonyms import Pseudonyms, pseudonyms_for
from charter.store.db import connect, redacted_url, refuse_private_memory
from charter.store.decision_log import ensure_schema

_log = logging.getLogger("charter.audit")

_NO_LABELS: Mapping[str, str] = MappingProxyType({})
_WARN_EVERY_S = 5.0
AUTO = "auto"
"""`checkpoint_file` default: beside a SQLite store's file, none for other stores."""
AuditMode = Literal["async", "sync"]
WriterKind = Literal["thread", "process"]
_POLL_EVERY = 64
"""Records between two reads of the writer process's acknowledgements."""


class AuditLog:
    """The decision log of one process. Thread-safe; flushes when the interpreter exits
    and on SIGTERM."""

    def __init__(
        self,
        store_url_or_engine: str | Engine,
        *,
        mode: AuditMode = "async",
        writer: WriterKind = "thread",
        max_queue: int = 10_000,
        batch: int = 256,
        linger_s: float = 0.002,
        full_wait_s: float = 1.0,
        close_timeout: float = 10.0,
        write_timeout: float = 5.0,
        checkpoint_file: str | Path | None = AUTO,
        checkpoint_every: int = DEFAULT_EVERY,
        checkpoint_interval_s: float = DEFAULT_INTERVAL_S,
        tracer_provider: Any = None,
        store_content: bool = False,
        pseudonyms: Pseudonyms | None = None,
    ) -> None:
        """`store_content`: keep the (redacted) prompt/answer text and tool arguments in
        the records; by default only their digests, keyed by `pseudonyms` (`charter.audit.content`).
        `linger_s`: how long the writer waits for more records to batch (0: none).
        `writer`: "process" writes from a child process (async only; needs a URL).
        `full_wait_s`: how long an async `record()` waits for room in a full queue while
        the store is writing (0: drop at once, as a failing store does).
        `write_timeout`: how long a sync `record()` may take (retrying a failing store,
        waiting on a silent PostgreSQL) before it raises. `checkpoint_file`: where
        checkpoints go (`charter.audit.checkpoint`); AUTO puts them beside a SQLite
        database, None writes none (they still go out as spans through `tracer_provider`,
        default the global one)."""
        if max_queue < 1 or batch < 1 or not 0 <= linger_s <= 1 or full_wait_s < 0:
            raise ConfigurationError(
                "AuditLog needs max_queue >= 1, batch >= 1, 0 <= linger_s <= 1 and "
                f"full_wait_s >= 0 (got {max_queue}, {batch}, {linger_s}, {full_wait_s})"
            )
        if mode not in ("async", "sync") or writer not in ("thread", "process"):
            raise ConfigurationError(
                "audit mode must be 'async' or 'sync', and the writer 'thread' or 'process' "
                f"(got {mode!r}, {writer!r})"
            )
        self._url = require_url(store_url_or_engine) if writer == "process" else ""
        if isinstance(store_url_or_engine, Engine):
            self._engine, self._owns_engine = store_url_or_engine, False
        else:
            refuse_private_memory(store_url_or_engine, "the decision log")
            self._engine, self._owns_engine = connect(store_url_or_engine), True
        ensure_schema(self._engine)
        self.mode: AuditMode = mode
        self.store_content = store_content
        self.pseudonyms = pseudonyms or pseudonyms_for("", store_url_or_engine)
        self._max_queue = max_queue
        self._batch = batch
        self._linger_s = linger_s
        self.full_wait_s = full_wait_s
        self._close_timeout = close_timeout
        self._write_timeout = write_timeout
        if checkpoint_file == AUTO:
            checkpoint_file = default_checkpoint_file(store_url_or_engine)
        self.checkpoints = Checkpointer(
            checkpoint_file,
            store=redacted_url(self._engine),
            every=checkpoint_every,
            interval_s=checkpoint_interval_s,
            tracer_provider=tracer_provider,
        )
        self._appender = Appender(self._engine, self.checkpoints, self._note_error)
        self.writer: WriterKind = writer if mode == "async" else "thread"
        self._child = (self._url, self.checkpoints, batch, linger_s, close_timeout)
        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)
        self._closed = False
        self._start()
        atexit.register(self._close_at_exit)
        _shutdown.register(self)

    def _start(self) -> None:
        self._pid = os.getpid()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=self._max_queue)
        self._accepted = 0
        self._written = 0
        self._marked = 0
        self._dropped = 0
        self._lost = 0
        self._withdrawn = 0  # sync records whose write was cut short before their commit
        self._last_error: str | None = None
        self._failing = False  # the last write attempt failed; cleared by a written batch
        self._last_drop_warning = 0.0
        self._give_up = threading.Event()
        self._hurry = threading.Event()  # set by flush/close: the writer does not linger
        self._thread: threading.Thread | None = None
        self._process: RestartingWriter | None = None
        if self.writer == "process":
            self._process = RestartingWriter(*self._child)
        elif self.mode == "async":
            self._thread = threading.Thread(
                target=self._run, name="charter-audit-writer", daemon=True
            )
            self._thread.start()

    # --- the hot path -----------------------------------------------------------------------

    def record(
        self,
        decision: Decision,
        input: PolicyInput | Mapping[str, Any],
        *,
        trace_id: str = "",
        span_id: str = "",
        labels: Mapping[str, str] = _NO_LABELS,
    ) -> None:
        """Log one decision with its policy input: its texts as hashes, or (with
        `store_content`) as the redacted text.

        async: queue it. A full queue is waited on, up to `full_wait_s`, while the store is
        writing; with the store failing, or after that wait, the record is counted in
        `stats.dropped` and a warning logged (never raised). sync: write it now; raises
        `AuditError` when the store fails for longer than `write_timeout` or the log is
        closed as the process ends. After `close()`, it is written as in sync mode."""
        if self._pid != os.getpid():
            self._after_fork()
        pending = Pending.accept(
            decision,
            input,
            store_content=self.store_content,
            pseudonyms=self.pseudonyms,
            trace_id=trace_id,
            span_id=span_id,
            labels={str(k): str(v) for k, v in labels.items()},
            timestamp=datetime.now(UTC),
        )
        if self.mode == "sync":
            self._record_now(pending)
            return
        if self._process is not None and not self._closed:
            why = self._process.send(pending, self.full_wait_s)
            if why is not None:
                self._refuse(why, pending)
            return
        with self._lock:  # with close(): a record is either before the stop mark or refused
            deadline: float | None = None
            while not self._closed:
                try:
                    self._queue.put_nowait(pending)
                except queue.Full:
                    if self._failing or not (self._thread and self._thread.is_alive()):
                        break  # records cannot go out now: waiting would only stall the app
                    now = time.monotonic()
                    deadline = now + self.full_wait_s if deadline is None else deadline
                    if now >= deadline:
                        break
                    self._hurry.set()  # the writer takes a batch at once, without lingering
                    self._progress.wait(deadline - now)  # notified after every batch
                    continue
                self._accepted += 1
                return
        self._refuse(f"the queue is full ({self._max_queue} records)", pending)

    def _record_now(self, pending: Pending) -> None:
        if self._closed and _shutdown.terminating.is_set():
            self._refuse("the audit log is closed")
            raise AuditError("the decision log is closed; the decision was not recorded")
        if not self._closed:
            with self._lock:
                self._accepted += 1
            write_now(self._appender, pending, self._write_timeout, self._count)
            return
        late = functools.partial(self._count, late=1)  # counted once settled, not waited on
        wait_s = self._write_timeout if self.mode == "sync" else self.full_wait_s
        own = self._engine if self._owns_engine else None
        _log.debug("decision log: a record came after close(); written on the caller's thread")
        write_late(self._appender, pending, wait_s, late, own)

    def _refuse(self, why: str, pending: Pending | None = None) -> None:
        """A record `record()` could not take is dropped for `why`. After `close()`, it is
        written on the caller's thread (`write_late`); while the process ends, the caller
        is held instead (see `_shutdown`) and it is dropped."""
        if self._closed and pending is not None and not _shutdown.terminating.is_set():
            try:
                self._record_now(pending)
            except AuditError as exc:  # counted as lost; an async record() never raises
                _log.error("decision log: a record that came after close() is lost: %s", exc)
            return
        if self._closed:
            _shutdown.hold_if_terminating()
            why = "the audit log is closed"
        self._drop(why)

    def _drop(self, why: str) -> None:
        with self._lock:
            self._dropped += 1
            dropped, last_error, now = self._dropped, self._last_error, time.monotonic()
            if dropped > 1 and now - self._last_drop_warning < _WARN_EVERY_S:
                return
            self._last_drop_warning = now
        said = "decision log: record dropped because %s; %d dropped so far%s"
        _log.warning(said, why, dropped, f" (last store error: {last_error})" if last_error else "")

    # --- control ----------------------------------------------------------------------------

    @property
    def stats(self) -> AuditStats:
        if self._process is not None:
            return self._process.stats(self._dropped, self.checkpoints.written)
        with self._lock:
            return AuditStats(
                written=self._written,
                dropped=self._dropped,
                queued=self._accepted - self._written - self._lost,
                lost=self._lost,
                last_error=self._last_error,
                marked=self._marked,
                checkpoints=self.checkpoints.written,
            )

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every record accepted so far is written. Raises `AuditError` when that
        takes longer than `timeout` seconds (the records stay queued)."""
        if self._process is not None:
            self._process.flush(timeout)
            return
        self._hurry.set()
        with self._lock:
            target, withdrawn = self._accepted, self._withdrawn

            def settled() -> int:  # a record withdrawn meanwhile is no longer awaited
                return self._written + self._lost + self._withdrawn - withdrawn

            done = self._progress.wait_for(lambda: settled() >= target, timeout=timeout)
            if not done:
                waiting = target - settled()
                raise AuditError(
                    f"{waiting} decision records are still waiting to be written after "
                    f"{timeout}s; they stay queued"
                    + (f" (last store error: {self._last_error})" if self._last_error else "")
                )

    def close(self) -> None:
        """Write what is queued (up to `close_timeout` seconds), then stop the writer."""
        if self._pid != os.getpid():
            return  # a forked child that never recorded: the parent owns these records
        with self._lock:
            if self._closed:
                return
            self._closed = True
        atexit.unregister(self._close_at_exit)
        _shutdown.unregister(self)
        if self._process is not None:
            self._process.close(self._close_timeout)
        thread = self._thread
        if thread is not None:
            self._hurry.set()
            deadline = time.monotonic() + self._close_timeout
            with contextlib.suppress(queue.Full):
                self._queue.put(_STOP, timeout=self._close_timeout)
            thread.join(max(deadline - time.monotonic(), 0.0))
            if thread.is_alive():
                self._give_up.set()
                thread.join(1.0)
        self.checkpoints.final()
        self.stats.report_close(_log)
        if self._owns_engine:
            self._engine.dispose()

    def _close_at_exit(self) -> None:
        close_open_streams()  # a stream still open records what it showed while we are open
        _shutdown.terminating.set()  # threads still recording now wait for the end
        self.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _after_fork(self) -> None:
        """A forked child inherits a copy of the queue (the parent writes those records), no
        writer thread, and locks that may have been held at the fork: start afresh."""
        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)
        self._engine.dispose(close=False)
        self._start()

    # --- the writer thread --------------------------------------------------------------------

    def _run(self) -> None:
        drain(
            self._queue,
            self._hurry,
            batch_size=self._batch,
            linger_s=self._linger_s,
            write=lambda batch: self._count(self._appender.write(batch, self._give_up.wait)),
        )

    def _count(self, done: Appended, withdrawn: int = 0, *, late: int = 0) -> None:
        with self._lock:
            self._accepted += late - withdrawn
            self._withdrawn += withdrawn
            self._written += done.written
            self._marked += done.marked
            self._lost += done.lost
            if done.errors:
                self._last_error = done.errors[-1]
            self._failing = done.failing
            self._progress.notify_all()

    def _note_error(self, reason: str, waiting: int, retry_in: float) -> None:
        with self._lock:
            first = self._last_error is None or retry_in == RETRY_FIRST_S
            self._last_error = reason
            self._failing = True
            self._progress.notify_all()  # records waiting for room stop waiting
        if first or retry_in >= RETRY_MAX_S:
            _log.warning(
                "decision log: writing %d records failed: %s; retrying in %.2fs",
                waiting,
                reason.removesuffix("."),  # a store error's last sentence: not ".; retrying"
                retry_in,
            )
