"""A few daemon worker threads for calls the caller may stop waiting for.

`concurrent.futures.ThreadPoolExecutor` joins its threads at interpreter exit, so a call
given up on (an OPA server that keeps sending a byte now and then) would hold the process's
exit for as long as it runs. These threads are daemons: a call abandoned at its deadline
never keeps the process alive.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class DaemonWorkers:
    """Up to `size` daemon threads, started as calls come, taking calls from one queue."""

    def __init__(self, size: int, name: str) -> None:
        self._size = size
        self._name = name
        self._calls: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def submit(self, call: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._name} workers are shut down")
            if len(self._threads) < self._size:
                name = f"{self._name}-{len(self._threads) + 1}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                self._threads.append(thread)
                thread.start()
        self._calls.put((future, call))
        return future

    def shutdown(self, wait_s: float = 0.0) -> None:
        """No more calls; idle threads end, a busy one ends when its call returns. Waits up
        to `wait_s` in all for them to end (a thread ending drops its thread-local objects
        itself: regorus's must not be dropped by another thread), never for a stuck call."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._calls.put(None)
        deadline = time.monotonic() + wait_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _work(self) -> None:
        while (item := self._calls.get()) is not None:
            future, call = item
            if not future.set_running_or_notify_cancel():
                continue  # its caller gave up before it started
            try:
                future.set_result(call())
            except BaseException as exc:  # handed to the caller, as the executor does
                future.set_exception(exc)
