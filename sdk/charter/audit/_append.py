"""Appending to the chain so that one bad record never blocks the others.

Both modes of `AuditLog` drive this: the async writer thread with a batch, `mode="sync"`
with the caller's one record. A batch is one transaction. When it fails, the records are
tried one at a time: a record that fails on its own twice while a *marker* for it (its
decision's action, rule ids and ids as plain ASCII, no input; `PreparedRecord.marker`) goes
in is the record's own fault, so the marker takes its place and is counted. When the
marker fails too, or any attempt fails because the store is unavailable (locked,
unreachable: `StoreError.unavailable`), the store is the problem: the records wait, in
order, and are retried with backoff (nothing is replaced while the store is down; probing
saw a valid record replaced by a marker when another process held SQLite's lock 16 s).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from charter._canonical import canonical_json, reparses_to_itself
from charter.audit.checkpoint import Checkpointer
from charter.audit.content import withhold_content
from charter.audit.record import PreparedRecord
from charter.decision import Decision
from charter.errors import StoreError
from charter.policy.input import PolicyInput
from charter.pseudonyms import UNKEYED, Pseudonyms
from charter.store.db import NOTHING_LOST
from charter.store.decision_log import ChainHead, append_chained

_log = logging.getLogger("charter.audit")

RETRY_FIRST_S = 0.05
RETRY_MAX_S = 5.0


@dataclass(frozen=True, slots=True)
class Unserialisable:
    """The input of a record that could not even be snapshotted (why: an error class)."""

    error: str


@dataclass(frozen=True, slots=True)
class Pending:
    """A decision accepted by `AuditLog.record()`, not yet serialised."""

    decision: Decision
    input: PolicyInput | str | Unserialisable
    trace_id: str
    span_id: str
    labels: Mapping[str, str]
    timestamp: datetime
    input_stable: bool = False
    """`input` is canonical JSON text that reparses to itself (`reparses_to_itself`)."""

    @classmethod
    def accept(
        cls,
        decision: Decision,
        input: PolicyInput | Mapping[str, Any],
        *,
        store_content: bool,
        trace_id: str,
        span_id: str,
        labels: Mapping[str, str],
        timestamp: datetime,
        pseudonyms: Pseudonyms = UNKEYED,
    ) -> Pending:
        """A record as `AuditLog.record()` takes it, its input snapshotted (`snapshot`)."""
        snapshot, stable = cls.snapshot(input, store_content=store_content, pseudonyms=pseudonyms)
        return cls(decision, snapshot, trace_id, span_id, labels, timestamp, stable)

    @staticmethod
    def snapshot(
        input: PolicyInput | Mapping[str, Any],
        *,
        store_content: bool,
        pseudonyms: Pseudonyms = UNKEYED,
    ) -> tuple[PolicyInput | str | Unserialisable, bool]:
        """A PolicyInput is immutable; a plain mapping is serialised now, since the caller may
        change it after `record()` returns. One that cannot be serialised becomes a marker.
        Without `store_content` the texts are withheld here, on the caller's thread, so they
        are never even queued (`charter.audit.content`). The flag says whether the JSON text
        reparses to itself (the writer then hashes it as it is)."""
        if store_content and isinstance(input, PolicyInput):
            return input, False
        try:
            doc = input.to_dict() if isinstance(input, PolicyInput) else input
            kept = doc if store_content else withhold_content(doc, pseudonyms)
            return canonical_json(kept), reparses_to_itself(kept)
        except Exception as exc:
            return Unserialisable(type(exc).__name__), False

    def to_wire(self) -> tuple[Any, ...]:
        """Plain values for the writer process (`_process`): the decision as its JSON, which
        pydantic writes in native code, not as a pickled model (several times the cost); as
        the model when JSON cannot hold it (a lone surrogate in a policy's message)."""
        try:
            decision: Decision | bytes = self.decision.__pydantic_serializer__.to_json(
                self.decision
            )
        except ValueError:  # PydanticSerializationError
            decision = self.decision
        return (
            decision,
            self.input,
            self.trace_id,
            self.span_id,
            dict(self.labels),
            self.timestamp,
            self.input_stable,
        )

    @classmethod
    def from_wire(cls, wire: tuple[Any, ...]) -> Pending:
        decision, *rest = wire
        if isinstance(decision, bytes):
            decision = Decision.model_validate_json(decision)
        return cls(decision, *rest)

    def prepare(self) -> PreparedRecord:
        if isinstance(self.input, Unserialisable):
            return self.marker(self.input.error)
        input_doc = self.input.to_dict() if isinstance(self.input, PolicyInput) else self.input
        return PreparedRecord.build(
            self.decision,
            input_doc,
            timestamp=self.timestamp,
            trace_id=self.trace_id,
            span_id=self.span_id,
            labels=self.labels,
            input_stable=self.input_stable,
        )

    def marker(self, error: str) -> PreparedRecord:
        return PreparedRecord.marker(
            self.decision,
            timestamp=self.timestamp,
            trace_id=self.trace_id,
            span_id=self.span_id,
            labels=self.labels,
            error=error,
        )


@dataclass(slots=True)
class Appended:
    """What one `Appender.write` did."""

    written: int = 0
    """Records committed, markers included."""
    marked: int = 0
    """Of those, markers standing in for records that could not be written."""
    lost: int = 0
    """Records given up on because the store kept failing (the caller decided to stop)."""
    errors: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        """Records were given up on, or every attempt failed: the store is failing (a full
        queue then drops at once rather than waiting for room)."""
        return bool(self.lost) or (bool(self.errors) and not self.written)


def append_batch(engine: Engine, records: Sequence[PreparedRecord]) -> ChainHead:
    """Chain and append `records` in one transaction; returns the new chain head."""

    def chain(head: ChainHead) -> list[dict[str, Any]]:
        seq, prev_hash = head.seq, head.hash
        rows = []
        for record in records:
            seq += 1
            row = record.seal(seq, prev_hash)
            prev_hash = row["hash"]
            rows.append(row)
        return rows

    return append_chained(engine, chain, "appending to the decision log")


def _reason(exc: Exception) -> str:
    """What a failed attempt reports (`stats.last_error`): not that nothing was lost, since
    the records may yet be (`stats.lost` says)."""
    return (
        str(exc).removesuffix(NOTHING_LOST) if isinstance(exc, StoreError) else type(exc).__name__
    )


def _unavailable(exc: Exception) -> bool:
    """The store, not the records, failed the attempt (see `StoreError.unavailable`)."""
    return isinstance(exc, StoreError) and exc.unavailable


def give_up_after(deadline: float) -> Callable[[float], bool]:
    """A `give_up` for `Appender.write` that waits out each retry delay unless the retry
    would start past `deadline` (`time.monotonic()`): then it says stop."""

    def give_up(delay: float) -> bool:
        if time.monotonic() + delay > deadline:
            return True
        time.sleep(delay)
        return False

    return give_up


class Appender:
    def __init__(
        self,
        engine: Engine,
        checkpoints: Checkpointer,
        on_retry: Callable[[str, int, float], None],
    ) -> None:
        self.engine = engine
        self.checkpoints = checkpoints
        self._on_retry = on_retry
        """Called with (reason, records waiting, seconds until the retry) before a wait."""

    def write(
        self,
        batch: Sequence[Pending],
        give_up: Callable[[float], bool],
        done: Appended | None = None,
    ) -> Appended:
        """Append `batch` in order. `give_up(delay)` waits `delay` seconds before a retry and
        returns True to stop retrying (what is left is then counted as lost). `done`, when
        given, is filled in as commits finish: after an interrupt (a KeyboardInterrupt) it
        still says what was committed."""
        done = Appended() if done is None else done
        waiting: list[tuple[Pending, PreparedRecord]] = []
        for pending in batch:
            error = pending.input.error if isinstance(pending.input, Unserialisable) else ""
            try:
                waiting.append((pending, pending.prepare()))
            except Exception as exc:  # a value that cannot be serialised at all
                error = type(exc).__name__
                waiting.append((pending, pending.marker(error)))
            if error:
                done.marked += 1
                self._report_marker(pending, error)
        delay = RETRY_FIRST_S
        while waiting:
            try:
                self._commit([record for _, record in waiting], done)
            except Exception as exc:
                done.errors.append(_reason(exc))
                if not _unavailable(exc):
                    waiting = self._one_by_one(waiting, done, give_up)
                if not waiting:
                    break
                self._on_retry(done.errors[-1], len(waiting), delay)
                if give_up(delay):
                    done.lost += len(waiting)
                    break
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            break
        return done

    def _one_by_one(
        self,
        waiting: list[tuple[Pending, PreparedRecord]],
        done: Appended,
        give_up: Callable[[float], bool],
    ) -> list[tuple[Pending, PreparedRecord]]:
        """Write records singly, a marker for one that fails alone; returns what is left
        when the store is unavailable or even a marker cannot be written, or when `give_up(0)`
        says the time is up: each attempt may wait out the store's busy timeout, and a sync
        call held 20 s against a 5 s `write_timeout` before (found by probing)."""
        for index, (pending, record) in enumerate(waiting):
            if give_up(0.0):
                return waiting[index:]
            error = ""
            for _ in range(2):
                try:
                    self._commit([record], done)
                except Exception as exc:
                    if _unavailable(exc):
                        return waiting[index:]
                    error = type(exc).__name__
                    continue
                error = ""
                break
            if not error:
                continue
            try:
                self._commit([pending.marker(error)], done)
            except Exception:
                return waiting[index:]
            done.marked += 1
            self._report_marker(pending, error)
        return []

    def _commit(self, records: Sequence[PreparedRecord], done: Appended) -> None:
        """Commit `records`, counted in `done` as soon as the commit returns."""
        head = append_batch(self.engine, records)
        done.written += len(records)
        self.checkpoints.note(head, len(records))

    @staticmethod
    def _report_marker(pending: Pending, error: str) -> None:
        _log.error(
            "decision log: record %s could not be written (%s); a marker record stands in for it",
            pending.decision.decision_id.encode("ascii", "backslashreplace").decode(),
            error,
        )
