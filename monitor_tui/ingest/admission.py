"""Admission control shared by both receivers: a fixed number of requests in flight.

Past the limit a receiver answers "saturated, retry later" (HTTP 503 + Retry-After, gRPC
UNAVAILABLE) at once instead of queueing without bound; OTel exporters retry those.
"""

from __future__ import annotations

import threading

from charter import ConfigurationError


class Admission:
    def __init__(self, max_inflight: int) -> None:
        if max_inflight < 1:
            raise ConfigurationError(f"max_inflight {max_inflight} must be at least 1")
        self.limit = max_inflight
        self._slots = threading.BoundedSemaphore(max_inflight)
        self._lock = threading.Lock()
        self._inflight = 0

    @property
    def inflight(self) -> int:
        return self._inflight

    def try_enter(self) -> bool:
        if not self._slots.acquire(blocking=False):
            return False
        with self._lock:
            self._inflight += 1
        return True

    def leave(self) -> None:
        with self._lock:
            self._inflight -= 1
        self._slots.release()
