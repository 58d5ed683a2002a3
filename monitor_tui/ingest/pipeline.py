"""The ingest pipeline: receivers hand decoded spans here; a writer thread stores them.

receiver -> `submit` (sampling, bounded buffer) -> writer thread -> `SpanStore`.

A receiver acknowledges a request (200 / OK) only once its spans are stored: `submit`
returns a ticket and `wait_stored` waits for the writer to get that far. The writer stores
in batches across requests, so waiting costs a commit, not a commit per request. When the
buffer has no room for a request, the request is refused ("retry later", which exporters
do) rather than pushing out spans that were already accepted; so a span answered with 200
is on disk, and a receiver killed outright loses only what it had not acknowledged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from charter import StoreError
from monitor_tui.ingest.buffer import SpanBuffer
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.rows import Row, encode_rows
from monitor_tui.ingest.sampling import Sampler
from monitor_tui.ingest.store import SpanStore

log = logging.getLogger(__name__)

WRITE_BATCH = 4096
STORE_RETRY_S = 0.5
ACK_TIMEOUT_S = 10.0
"""How long a request waits for its spans to be stored before it is answered "retry"."""


@dataclass(frozen=True)
class IngestStats:
    received: int = 0
    """Valid spans decoded from accepted requests."""
    sampled_out: int = 0
    dropped: int = 0
    """Accepted spans that were not stored: only spans the store refuses one by one."""
    stored: int = 0
    buffered: int = 0
    rejected_spans: int = 0
    """Invalid spans inside otherwise valid requests (reported as partial success)."""
    rejected_requests: int = 0
    """Requests refused with a 4xx (malformed, too large, wrong content type, no token)."""
    saturated_requests: int = 0
    """Requests refused with 503 / UNAVAILABLE: too many in flight, the buffer full, the
    store too slow to acknowledge in time, or the receiver stopping. Exporters retry."""
    store_errors: int = 0


class IngestPipeline:
    def __init__(
        self,
        store: SpanStore,
        *,
        sample_rate: float = 1.0,
        buffer_capacity: int = 50_000,
        write_batch: int = WRITE_BATCH,
    ) -> None:
        self.store = store
        self.sampler = Sampler(sample_rate)
        self.buffer: SpanBuffer[Row] = SpanBuffer(buffer_capacity)
        self._write_batch = write_batch
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._counts = {
            "received": 0,
            "sampled_out": 0,
            "stored": 0,
            "dropped": 0,
            "rejected_spans": 0,
            "rejected_requests": 0,
            "saturated_requests": 0,
            "store_errors": 0,
        }
        self._pending = 0
        """Spans kept by the sampler and neither stored nor dropped yet."""
        self._queued_total = 0
        self._settled_total = 0
        """Spans ever queued / ever stored or dropped: tickets count in the first, and the
        buffer is first in, first out, so a ticket is done once the second reaches it."""
        self._accepting = True
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None

    # --- receivers call these ----------------------------------------------------------

    def submit(self, records: Sequence[SpanRecord], *, rejected: int = 0) -> int | None:
        """Queue a request's spans. Returns its ticket for `wait_stored`, or None when
        there is no room (or the pipeline is stopping): answer "retry later"."""
        kept = self.sampler.select(records)
        rows = encode_rows(kept)
        with self._lock:
            if not self._accepting or self._pending + len(rows) > self.buffer.capacity:
                self._counts["saturated_requests"] += 1
                return None
            self._counts["received"] += len(records)
            self._counts["sampled_out"] += len(records) - len(kept)
            self._counts["rejected_spans"] += rejected
            self._pending += len(rows)
            self._queued_total += len(rows)
            ticket = self._queued_total
            self.buffer.put_many(rows)  # room was checked under the lock: nothing drops
        return ticket

    def wait_stored(self, ticket: int, timeout: float = ACK_TIMEOUT_S) -> bool:
        """True once every span up to `ticket` is stored (needs the writer running)."""
        with self._idle:
            done = self._idle.wait_for(lambda: self._settled_total >= ticket, timeout)
            if not done:
                self._counts["saturated_requests"] += 1
            return done

    def count(self, event: str) -> None:
        """Record a refused request: `rejected_requests` or `saturated_requests`."""
        with self._lock:
            self._counts[event] += 1

    def stop_accepting(self) -> None:
        """From now on `submit` refuses (what is queued is still stored)."""
        with self._lock:
            self._accepting = False

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._writer is not None and self._writer.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        with self._lock:
            self._accepting = True
        self._writer = threading.Thread(target=self._write_loop, name="span-writer", daemon=True)
        self._writer.start()

    def stop(self) -> None:
        """Stop the writer after storing what is buffered."""
        self._stop.set()
        self.buffer.wake()
        if self._writer is not None:
            self._writer.join()
            self._writer = None
        self._write_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is stored (or dropped). Needs `start()`."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(min(remaining, 0.05))
        return True

    def stats(self) -> IngestStats:
        with self._lock:
            counts = dict(self._counts)
        counts["dropped"] += self.buffer.dropped  # 0: submit keeps the buffer from overflowing
        return IngestStats(buffered=len(self.buffer), **counts)

    # --- the writer ----------------------------------------------------------------------

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            self._write_once(timeout=0.2)

    def _write_all(self) -> None:
        while len(self.buffer) and self._write_once(timeout=None):
            pass

    def _write_once(self, timeout: float | None) -> bool:
        """Store one batch; False when the store failed (the batch waits for a retry)."""
        batch = self.buffer.take(self._write_batch, timeout)
        if not batch:
            return True
        try:
            self.store.insert_rows(batch)
        except StoreError as exc:
            self._retry_later(batch, exc)
            return False
        except Exception:  # a row the store cannot take: one bad span never blocks the rest
            return self._one_by_one(batch)
        self._settle(stored=len(batch))
        return True

    def _one_by_one(self, batch: list[Row]) -> bool:
        for index, row in enumerate(batch):
            try:
                self.store.insert_rows([row])
            except StoreError as exc:
                self._retry_later(batch[index:], exc)
                return False
            except Exception as exc:
                log.error("a span could not be stored and was dropped: %s", type(exc).__name__)
                self._settle(dropped=1)
                continue
            self._settle(stored=1)
        return True

    def _retry_later(self, rows: list[Row], exc: StoreError) -> None:
        log.warning("span store write failed, will retry: %s", exc)
        self.buffer.put_back(rows)  # room was reserved when they were submitted
        with self._lock:
            self._counts["store_errors"] += 1
        self._stop.wait(STORE_RETRY_S)

    def _settle(self, *, stored: int = 0, dropped: int = 0) -> None:
        """Spans left the pipeline: wake `flush` and the requests waiting in `wait_stored`."""
        with self._idle:
            self._counts["stored"] += stored
            self._counts["dropped"] += dropped
            self._pending -= stored + dropped
            self._settled_total += stored + dropped
            self._idle.notify_all()
