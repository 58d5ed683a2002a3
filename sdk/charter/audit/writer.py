"""`AuditLog`: appends decisions to the hash-chained log from a background thread.

`record()` only snapshots the decision and puts it on a bounded queue, so the guarded call
never waits for the database. A writer thread drains the queue in batches; each batch is
one transaction that locks the chain head, numbers and hashes the records, and moves the
head. Nothing is lost quietly: a full queue counts the record in `stats.dropped` and logs a
warning; a failing database is retried with backoff (the batch is kept); whatever cannot be
written by `close()` is counted and logged as an error. Log lines carry counts and error
classes only, never decision content.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import Engine

from charter._canonical import canonical_json
from charter.audit.record import PreparedRecord
from charter.decision import Decision
from charter.errors import AuditError, ConfigurationError, StoreError
from charter.policy.input import PolicyInput
from charter.store.db import connect
from charter.store.decision_log import append_rows, ensure_schema, lock_head
from charter.store.transactions import write_transaction

_log = logging.getLogger("charter.audit")

_NO_LABELS: Mapping[str, str] = MappingProxyType({})
_WARN_EVERY_S = 5.0
_RETRY_FIRST_S = 0.05
_RETRY_MAX_S = 5.0


@dataclass(frozen=True, slots=True)
class AuditStats:
    written: int
    """Records committed to the store by this `AuditLog`."""
    dropped: int
    """Records refused because the queue was full or the log was closed."""
    queued: int
    """Records accepted and not yet written."""
    lost: int = 0
    """Accepted records that could not be written before `close()` gave up."""
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class _Pending:
    decision: Decision
    input: PolicyInput | str
    trace_id: str
    span_id: str
    labels: Mapping[str, str]
    timestamp: datetime

    def prepare(self) -> PreparedRecord:
        input_doc = self.input.to_dict() if isinstance(self.input, PolicyInput) else self.input
        return PreparedRecord.build(
            self.decision,
            input_doc,
            timestamp=self.timestamp,
            trace_id=self.trace_id,
            span_id=self.span_id,
            labels=self.labels,
        )


_STOP = object()


def append_batch(engine: Engine, records: Sequence[PreparedRecord]) -> int:
    """Chain and append `records` in one transaction; returns the last `seq`."""
    with write_transaction(engine, "appending to the decision log") as conn:
        head = lock_head(conn)
        seq, prev_hash = head.seq, head.hash
        rows = []
        for record in records:
            seq += 1
            row = record.seal(seq, prev_hash)
            prev_hash = row["hash"]
            rows.append(row)
        append_rows(conn, rows)
    return seq


class AuditLog:
    """The decision log of one process. Thread-safe; flushes when the interpreter exits."""

    def __init__(
        self,
        store_url_or_engine: str | Engine,
        *,
        max_queue: int = 10_000,
        batch: int = 256,
        close_timeout: float = 10.0,
    ) -> None:
        if max_queue < 1 or batch < 1:
            raise ConfigurationError(
                f"AuditLog needs max_queue >= 1 and batch >= 1 (got {max_queue}, {batch})"
            )
        if isinstance(store_url_or_engine, Engine):
            self._engine, self._owns_engine = store_url_or_engine, False
        else:
            self._engine, self._owns_engine = connect(store_url_or_engine), True
        ensure_schema(self._engine)
        self._max_queue = max_queue
        self._batch = batch
        self._close_timeout = close_timeout
        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)
        self._closed = False
        self._start()
        atexit.register(self.close)

    def _start(self) -> None:
        self._pid = os.getpid()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=self._max_queue)
        self._accepted = 0
        self._written = 0
        self._dropped = 0
        self._lost = 0
        self._last_error: str | None = None
        self._last_drop_warning = 0.0
        self._give_up = threading.Event()
        self._thread = threading.Thread(target=self._run, name="charter-audit-writer", daemon=True)
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
        """Queue one decision with its *redacted* policy input. Never blocks; never raises
        for a full queue (the record is counted in `stats.dropped` and a warning logged)."""
        if self._pid != os.getpid():
            self._after_fork()
        pending = _Pending(
            decision=decision,
            # A PolicyInput is immutable; a plain mapping is snapshotted now, since the
            # caller may change it after we return.
            input=input if isinstance(input, PolicyInput) else canonical_json(input),
            trace_id=trace_id,
            span_id=span_id,
            labels={str(k): str(v) for k, v in labels.items()},
            timestamp=datetime.now(UTC),
        )
        if self._closed:
            self._drop("the audit log is closed")
            return
        try:
            self._queue.put_nowait(pending)
        except queue.Full:
            self._drop(f"the queue is full ({self._max_queue} records)")
            return
        with self._lock:
            self._accepted += 1

    def _drop(self, why: str) -> None:
        with self._lock:
            self._dropped += 1
            dropped, last_error = self._dropped, self._last_error
            now = time.monotonic()
            if dropped > 1 and now - self._last_drop_warning < _WARN_EVERY_S:
                return
            self._last_drop_warning = now
        _log.warning(
            "decision log: record dropped because %s; %d dropped so far%s",
            why,
            dropped,
            f" (last store error: {last_error})" if last_error else "",
        )

    # --- control ----------------------------------------------------------------------------

    @property
    def stats(self) -> AuditStats:
        with self._lock:
            return AuditStats(
                written=self._written,
                dropped=self._dropped,
                queued=self._accepted - self._written - self._lost,
                lost=self._lost,
                last_error=self._last_error,
            )

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every record accepted so far is written. Raises `AuditError` when that
        takes longer than `timeout` seconds (the records stay queued)."""
        with self._lock:
            target = self._accepted
            done = self._progress.wait_for(
                lambda: self._written + self._lost >= target, timeout=timeout
            )
            if not done:
                waiting = target - self._written - self._lost
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
        atexit.unregister(self.close)
        deadline = time.monotonic() + self._close_timeout
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=self._close_timeout)
        self._thread.join(max(deadline - time.monotonic(), 0.0))
        if self._thread.is_alive():
            self._give_up.set()
            self._thread.join(1.0)
        stats = self.stats
        if stats.queued or stats.lost:
            _log.error(
                "decision log: %d records could not be written before close%s",
                stats.queued + stats.lost,
                f" (last store error: {stats.last_error})" if stats.last_error else "",
            )
        if stats.dropped:
            _log.warning("decision log: %d records were dropped in total", stats.dropped)
        if self._owns_engine:
            self._engine.dispose()

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
        source = self._queue
        stopping = False
        while not stopping:
            item = source.get()
            if item is _STOP:
                stopping = True
                batch: list[_Pending] = []
            else:
                assert isinstance(item, _Pending)
                batch = [item]
            while len(batch) < self._batch or stopping:
                try:
                    item = source.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    continue
                assert isinstance(item, _Pending)
                batch.append(item)
            if batch:
                self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        prepared: list[PreparedRecord] = []
        for pending in batch:
            try:
                prepared.append(pending.prepare())
            except Exception as exc:  # a value that cannot be serialised: lose one, say so
                self._count_lost(1, f"{type(exc).__name__} serialising a record")
                _log.error(
                    "decision log: record %s could not be serialised (%s) and was not written",
                    pending.decision.decision_id,
                    type(exc).__name__,
                )
        delay = _RETRY_FIRST_S
        while prepared:
            try:
                append_batch(self._engine, prepared)
            except Exception as exc:
                reason = str(exc) if isinstance(exc, StoreError) else type(exc).__name__
                self._note_error(reason, len(prepared), delay)
                if self._give_up.wait(delay):
                    self._count_lost(len(prepared), reason)
                    return
                delay = min(delay * 2, _RETRY_MAX_S)
                continue
            with self._lock:
                self._written += len(prepared)
                self._progress.notify_all()
            return

    def _note_error(self, reason: str, waiting: int, retry_in: float) -> None:
        with self._lock:
            first = self._last_error is None or retry_in == _RETRY_FIRST_S
            self._last_error = reason
        if first or retry_in >= _RETRY_MAX_S:
            _log.warning(
                "decision log: writing %d records failed: %s; retrying in %.2fs",
                waiting,
                reason,
                retry_in,
            )

    def _count_lost(self, count: int, reason: str) -> None:
        with self._lock:
            self._lost += count
            self._last_error = reason
            self._progress.notify_all()
