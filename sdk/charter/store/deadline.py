"""A client-side bound on how long PostgreSQL may take to answer.

A server that stops answering (a frozen or swamped process, a stuck VM) while its kernel
still acknowledges the packets leaves a query waiting forever: libpq has no read timeout,
TCP keepalives see a healthy peer, and a server-side `statement_timeout` is never enforced
by a server that does not run. Probing found a sync-audit call and an approval submission
held 60 s by a frozen server (in the pool's pre-ping, on a connection it already had).

Inside `bounded(seconds)`, every wait of this thread (context) on a PostgreSQL connection
made by `charter.store.connect` is watched: at the deadline a watchdog thread shuts the
connection's socket down (`shutdown(2)`: the descriptor stays valid for the thread still
polling it), the driver fails with "server closed the connection", and the pool discards
the connection. A connection opened inside the block gets at most the time left (libpq
allows no less than 2 s), and none is opened once the time is up. What the server had
already received may still commit when it wakes: an outcome the client cannot know (as on
any lost network).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import heapq
import itertools
import math
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event

_CONNECT_MIN_S = 2
"""libpq's smallest `connect_timeout`; smaller values mean 2 s."""


class _Watch:
    """One `bounded` block: its deadline and the connection it is waiting on, if any."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.done = False
        """The block has ended."""
        self.cut = False
        """A wait (or a connection) was cut short by the deadline."""
        self._lock = threading.Lock()
        self._waiting: Any = None
        """The psycopg connection a wait of this block is on."""
        self._watched = False

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def expire(self) -> None:
        """The deadline passed (called by the watchdog): cut the wait in progress."""
        with self._lock:
            if self._waiting is not None:
                self._cut(self._waiting)

    @contextlib.contextmanager
    def waiting_on(self, conn: Any) -> Iterator[None]:
        if not self._watched:  # at the first wait: a block that never waits costs nothing
            self._watched = True
            _WATCHDOG.add(self)
        with self._lock:
            if self.left() <= 0:
                self._cut(conn)  # the wait below fails at once
            self._waiting = conn
        try:
            yield
        finally:
            with self._lock:
                self._waiting = None

    def _cut(self, conn: Any) -> None:
        self.cut = True
        _shut_down(conn)


_current: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar(
    "charter_store_deadline", default=None
)


@contextlib.contextmanager
def bounded(seconds: float | None) -> Iterator[None]:
    """PostgreSQL must answer everything this block asks within `seconds` in all (None: no
    bound); a bound already in force that ends sooner stays."""
    outer = _current.get()
    if seconds is None or (outer is not None and outer.left() <= seconds):
        yield
        return
    watch = _Watch(max(seconds, 0.0))
    token = _current.set(watch)
    try:
        yield
    finally:
        watch.done = True
        _current.reset(token)


def expired_bound() -> float | None:
    """The bound of this context, in seconds, once it has cut something short (for error
    messages)."""
    watch = _current.get()
    return watch.seconds if watch is not None and watch.cut else None


def watch_connections(engine: Engine) -> None:
    """Make `engine` (PostgreSQL, psycopg 3) open connections that `bounded` can cut."""
    event.listen(engine, "do_connect", _connect)


def _connect(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
    connection = _connection_class()
    watch = _current.get()
    if watch is None:
        return connection.connect(*cargs, **cparams)
    left = watch.left()
    if left <= 0:
        watch.cut = True
        raise dialect.loaded_dbapi.OperationalError("no time left to connect")
    limit = int(cparams.get("connect_timeout") or 0) or math.inf
    timeout = min(limit, max(_CONNECT_MIN_S, math.ceil(left)))
    return connection.connect(*cargs, **{**cparams, "connect_timeout": timeout})


@functools.cache
def _connection_class() -> Any:
    """psycopg's connection, its waits for the server reported to the block's watch (made
    on first use: psycopg is needed for PostgreSQL stores only)."""
    import psycopg

    class WatchedConnection(psycopg.Connection[Any]):
        def wait(self, *args: Any, **kwargs: Any) -> Any:
            watch = _current.get()
            if watch is None:
                return super().wait(*args, **kwargs)
            with watch.waiting_on(self):
                return super().wait(*args, **kwargs)

    return WatchedConnection


def _shut_down(conn: Any) -> None:
    """Shut the connection's socket down, through a duplicate of its descriptor: the
    connection's own descriptor is never closed under the thread polling it."""
    with contextlib.suppress(Exception):  # already closed: nothing to cut
        fd = os.dup(conn.pgconn.socket)
        with socket.socket(fileno=fd) as sock:
            sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread per process that expires watches at their deadlines."""

    def __init__(self) -> None:
        self._order = itertools.count()
        self.reset()

    def reset(self) -> None:
        """No thread yet (at import, and in a forked child, whose copy may hold the lock)."""
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Watch]] = []
        self._started = False

    def add(self, watch: _Watch) -> None:
        with self._cond:
            if not self._started:
                self._started = True
                thread = threading.Thread(target=self._run, name="charter-store-watchdog")
                thread.daemon = True
                thread.start()
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._heap[0][2] is watch:  # the thread sleeps until an earlier deadline
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._due()
                while not due:
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(wait)
                    due = self._due()
            for watch in due:
                watch.expire()

    def _due(self) -> list[_Watch]:
        now, due = time.monotonic(), []
        while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
            watch = heapq.heappop(self._heap)[2]
            if not watch.done:
                due.append(watch)
        return due


_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG.reset)
