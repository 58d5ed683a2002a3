"""The decision log's writer thread (`AuditLog(writer="thread")`, the default): takes records
from the queue in batches and hands each batch to `write`.

Woken by a record, it lingers (`linger_s`, or until `hurry` is set by flush/close) so that
the next calls' records join the batch: one commit, one wake-up of a GIL-sharing thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from charter.audit._append import Pending

STOP = object()
"""The queue's end mark, put by `AuditLog.close()`."""


def drain(
    source: queue.Queue[object],
    hurry: threading.Event,
    *,
    batch_size: int,
    linger_s: float,
    write: Callable[[list[Pending]], None],
) -> None:
    """Write batches from `source` until the end mark (what precedes it is written)."""
    stopping = False
    while not stopping:
        item = source.get()
        if item is STOP:
            stopping = True
            batch: list[Pending] = []
        else:
            assert isinstance(item, Pending)
            batch = [item]
            hurry.wait(linger_s if source.qsize() < batch_size else 0.0)  # linger
        while len(batch) < batch_size or stopping:
            try:
                item = source.get_nowait()
            except queue.Empty:
                break
            if item is STOP:
                stopping = True
                continue
            assert isinstance(item, Pending)
            batch.append(item)
        if batch:
            write(batch)
        if source.empty():
            hurry.clear()  # written up to now: linger again from the next record
