"""A bounded, thread-safe span buffer between the receivers and the store writer.

When the writer falls behind, the oldest spans go first (the newest say most about what is
happening now) and every dropped span is counted, so the Live screen can show the loss
instead of hiding it. Memory stays bounded whatever the senders do.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from typing import Generic, TypeVar

from charter import ConfigurationError

T = TypeVar("T")


class SpanBuffer(Generic[T]):
    """Items are spans in whatever form the writer stores (the pipeline buffers encoded
    rows, about 1 KB each, so the default capacity bounds the buffer near 50 MB)."""

    def __init__(self, capacity: int = 50_000) -> None:
        if capacity < 1:
            raise ConfigurationError(f"buffer capacity {capacity} must be at least 1")
        self.capacity = capacity
        self._items: deque[T] = deque(maxlen=capacity)
        self._ready = threading.Condition()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def put_many(self, records: Sequence[T]) -> int:
        """Append; returns how many of the oldest spans were dropped to make room."""
        if not records:
            return 0
        with self._ready:
            overflow = max(0, len(self._items) + len(records) - self.capacity)
            self._items.extend(records)
            self.dropped += overflow
            self._ready.notify()
        return overflow

    def take(self, max_items: int, timeout: float | None = None) -> list[T]:
        """Up to `max_items` oldest spans; waits up to `timeout` seconds for the first."""
        with self._ready:
            if not self._items and timeout:
                self._ready.wait(timeout)
            n = min(max_items, len(self._items))
            return [self._items.popleft() for _ in range(n)]

    def put_back(self, records: Sequence[T]) -> int:
        """Return spans the writer could not store to the front, keeping them oldest first;
        spans that no longer fit are dropped (counted, and their number returned)."""
        with self._ready:
            room = self.capacity - len(self._items)
            keep = list(records[-room:]) if room > 0 else []
            lost = len(records) - len(keep)
            self.dropped += lost
            self._items.extendleft(reversed(keep))
            return lost

    def wake(self) -> None:
        with self._ready:
            self._ready.notify_all()
