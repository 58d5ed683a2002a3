"""`mode="sync"`: the caller's record is written on its own thread before `record()` returns.

A record is acknowledged when `record()` returns: it was committed. One whose write an
interrupt (a Ctrl-C) cut short before its commit finished was not acknowledged: `record()`
raised, so the guarded call does not go ahead either. It is withdrawn from the counts,
neither waiting (`flush()` would wait for it for ever) nor lost (`close()` would report a
loss that did not happen).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine

from charter.audit._append import Appended, Appender, Pending, give_up_after
from charter.errors import AuditError
from charter.store.deadline import bounded


def write_now(
    appender: Appender,
    pending: Pending,
    timeout_s: float,
    settle: Callable[[Appended, int], None],
) -> None:
    """Write `pending`, retrying a failing store for up to `timeout_s`; `settle(done,
    withdrawn)` counts the outcome whatever ends the write. Raises `AuditError` when the
    record could not be written."""
    started, done = time.monotonic(), Appended()
    try:
        with bounded(timeout_s):  # a server that stops answering too
            appender.write([pending], give_up_after(started + timeout_s), done)
    finally:
        settle(done, 1 - done.written - done.lost)
    if done.lost:  # given up when the next retry would end past the deadline, or before
        raise AuditError(
            "the decision could not be recorded: the store kept failing for "
            f"{time.monotonic() - started:.1f}s, and write_timeout is {timeout_s}s "
            f"(last store error: {done.errors[-1] if done.errors else None}); audit_mode is "
            "'sync', so the call does not go ahead"
        )


def write_late(
    appender: Appender,
    pending: Pending,
    timeout_s: float,
    settle: Callable[[Appended, int], None],
    engine: Engine | None,
) -> None:
    """A record that came after its log's `close()`, written as `write_now` writes: a call
    still running when its `Charter` was closed (or configured anew) ran, and its records
    were dropped (found by probing). `engine` (the log's own, if any) is disposed of
    after, so no connection outlives the closed log."""
    try:
        write_now(appender, pending, timeout_s, settle)
    finally:
        if engine is not None:
            engine.dispose()
