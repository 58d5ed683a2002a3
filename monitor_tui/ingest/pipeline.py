"""The ingest pipeline: receivers hand decoded spans here; a writer thread stores them.

receiver -> `submit` (sampling, bounded buffer) -> writer thread -> `SpanStore`.
Receivers return as soon as spans are buffered, so a slow disk never stalls exporters; the
buffer's drop-oldest policy and the counters in `IngestStats` make any loss visible.
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
from monitor_tui.ingest.sampling import Sampler
from monitor_tui.ingest.store import Row, SpanStore, encode_rows

log = logging.getLogger(__name__)

WRITE_BATCH = 4096
STORE_RETRY_S = 0.5


@dataclass(frozen=True)
class IngestStats:
    received: int = 0
    """Valid spans decoded from accepted requests."""
    sampled_out: int = 0
    dropped: int = 0
    """Spans the full buffer pushed out (oldest first) before they were stored."""
    stored: int = 0
    buffered: int = 0
    rejected_spans: int = 0
    """Invalid spans inside otherwise valid requests (reported as partial success)."""
    rejected_requests: int = 0
    """Requests refused with a 4xx (malformed, too large, wrong content type)."""
    saturated_requests: int = 0
    """Requests refused with 503 / UNAVAILABLE because too many were in flight."""
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
            "rejected_spans": 0,
            "rejected_requests": 0,
            "saturated_requests": 0,
            "store_errors": 0,
        }
        self._pending = 0
        """Spans kept by the sampler and neither stored nor dropped yet."""
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None

    # --- receivers call these ----------------------------------------------------------

    def submit(self, records: Sequence[SpanRecord], *, rejected: int = 0) -> None:
        kept = self.sampler.select(records)
        with self._lock:
            self._counts["received"] += len(records)
            self._counts["sampled_out"] += len(records) - len(kept)
            self._counts["rejected_spans"] += rejected
            self._pending += len(kept)
        self._settle(self.buffer.put_many(encode_rows(kept)))

    def count(self, event: str) -> None:
        """Record a refused request: `rejected_requests` or `saturated_requests`."""
        with self._lock:
            self._counts[event] += 1

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._writer is not None and self._writer.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
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
        return IngestStats(dropped=self.buffer.dropped, buffered=len(self.buffer), **counts)

    # --- the writer ----------------------------------------------------------------------

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            self._write_once(timeout=0.2)

    def _write_all(self) -> None:
        while len(self.buffer) and self._write_once(timeout=None):
            pass

    def _write_once(self, timeout: float | None) -> bool:
        batch = self.buffer.take(self._write_batch, timeout)
        if not batch:
            return True
        try:
            self.store.insert_rows(batch)
        except StoreError as exc:
            log.warning("span store write failed, will retry: %s", exc)
            lost = self.buffer.put_back(batch)
            with self._lock:
                self._counts["store_errors"] += 1
            self._settle(lost)
            self._stop.wait(STORE_RETRY_S)
            return False
        with self._lock:
            self._counts["stored"] += len(batch)
        self._settle(len(batch))
        return True

    def _settle(self, done: int) -> None:
        """`done` spans left the pipeline (stored or dropped): wake anyone in `flush`."""
        if done:
            with self._idle:
                self._pending -= done
                self._idle.notify_all()
