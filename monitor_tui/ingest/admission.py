"""Admission control shared by both receivers: bounded work in flight, per client too.

Past a limit a receiver answers "saturated, retry later" (HTTP 503 + Retry-After, gRPC
UNAVAILABLE) at once instead of queueing without bound; OTel exporters retry those. The
per-client limit (by peer address) keeps one client, say one holding many half-sent
requests open, from taking every slot: the others keep being served. The HTTP receiver
uses a second `Admission` for open connections, each of which holds a thread.
"""

from __future__ import annotations

import threading
from collections import Counter

from charter import ConfigurationError


class Admission:
    def __init__(self, max_inflight: int, per_client: int | None = None) -> None:
        """`per_client`: most slots one client address may hold (default: a quarter)."""
        if max_inflight < 1:
            raise ConfigurationError(f"max_inflight {max_inflight} must be at least 1")
        per_client = max(1, max_inflight // 4) if per_client is None else per_client
        if per_client < 1:
            raise ConfigurationError(f"per-client limit {per_client} must be at least 1")
        self.limit = max_inflight
        self.per_client = min(per_client, max_inflight)
        self._lock = threading.Lock()
        self._inflight = 0
        self._by_client: Counter[str] = Counter()

    @property
    def inflight(self) -> int:
        return self._inflight

    def try_enter(self, client: str = "") -> bool:
        with self._lock:
            if self._inflight >= self.limit or self._by_client[client] >= self.per_client:
                return False
            self._inflight += 1
            self._by_client[client] += 1
            return True

    def leave(self, client: str = "") -> None:
        with self._lock:
            self._inflight -= 1
            self._by_client[client] -= 1
            if self._by_client[client] <= 0:
                del self._by_client[client]
