"""An in-process change signal: the fast path for waiters.

When a queue in this process changes a request, waiting threads and coroutines wake at
once instead of at their next poll. Changes made by other processes are still seen by
polling with backoff, so the signal is an optimisation, never a correctness requirement.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class ChangeSignal:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def generation(self) -> int:
        return self._generation

    def notify(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()
            waiters = list(self._async_waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(event.set)

    def wait(self, seen: int, timeout_s: float) -> int:
        """Block until the generation moves past `seen` or `timeout_s` passes."""
        with self._cond:
            self._cond.wait_for(lambda: self._generation != seen, timeout=max(0.0, timeout_s))
            return self._generation

    async def wait_async(self, seen: int, timeout_s: float) -> int:
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._cond:
            if self._generation != seen:
                return self._generation
            self._async_waiters.add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=max(0.0, timeout_s))
        finally:
            with self._cond:
                self._async_waiters.discard(waiter)
        return self._generation


CHANGES = ChangeSignal()
"""One signal per process: every queue notifies it after each committed change."""
