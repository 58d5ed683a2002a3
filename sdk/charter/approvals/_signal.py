"""An in-process change signal: the fast path for waiters.

When a queue in this process changes a request, the threads and coroutines waiting for
that request wake at once instead of at their next poll; waiters of other requests sleep
on (every change woke every waiter, and each read its request again: 100 waiters and 50
unrelated rejections made 1,834 reads). Changes made by other processes are still seen by
polling with backoff, so the signal is an optimisation, never a correctness requirement.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

W = TypeVar("W", "Watch", "AsyncWatch")


class Watch:
    """One waiter's interest in one request: set when it changes. Cleared before each read
    of the request, so a change committed after the read wakes the wait that follows."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def wait(self, timeout_s: float) -> None:
        self._event.wait(max(0.0, timeout_s))


class AsyncWatch:
    """A `Watch` for a coroutine: set from any thread, awaited on its loop."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._async_event = asyncio.Event()

    def set(self) -> None:
        with contextlib.suppress(RuntimeError):  # that loop has closed
            self._loop.call_soon_threadsafe(self._async_event.set)

    def clear(self) -> None:
        self._async_event.clear()

    async def wait_async(self, timeout_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._async_event.wait(), timeout=max(0.0, timeout_s))


class ChangeSignal:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watches: dict[str, set[Watch | AsyncWatch]] = {}

    def notify(self, request_ids: Iterable[str]) -> None:
        """Wake the waiters of these requests (after their change committed)."""
        with self._lock:
            woken = [w for rid in set(request_ids) for w in self._watches.get(rid, ())]
        for watch in woken:
            watch.set()

    @contextlib.contextmanager
    def watching(self, request_id: str, watch: W) -> Iterator[W]:
        """`watch` is set by each change of `request_id` while inside."""
        with self._lock:
            self._watches.setdefault(request_id, set()).add(watch)
        try:
            yield watch
        finally:
            with self._lock:
                watches = self._watches.get(request_id)
                if watches is not None:
                    watches.discard(watch)
                    if not watches:
                        del self._watches[request_id]


CHANGES = ChangeSignal()
"""One signal per process: every queue notifies it after each committed change."""
