"""Whether a store failure means the store is unavailable (locked, busy, unreachable, out
of connections, not answering): retried later it may succeed, so the audit writer waits
and retries, and never blames the record. Anything else (no such table, a missing column,
a read-only file, a full disk) fails again the same way."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

_SQLITE_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_PG_STATES = {
    "53300",  # too many connections
    "55P03",  # lock not available
    "57014",  # query cancelled (statement timeout)
    "57P01",  # admin shutdown
    "57P02",  # crash shutdown
    "57P03",  # cannot connect now
    "40001",  # serialization failure
    "40P01",  # deadlock
}
_WORDS = (
    "locked",
    "busy",
    "timeout",
    "timed out",
    "could not connect",
    "connection refused",
    "connection reset",
    "connection is closed",
    "server closed the connection",
    "terminating connection",
    "the database system is",
    "resolve host",
    "could not translate host name",
    "no route to host",
    "network is unreachable",
)
"""For errors that carry no code (a failed connect, a driver's own message)."""


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (SQLAlchemy's, or sqlite3's own) says the store is unavailable."""
    if isinstance(exc, PoolTimeout):  # every pooled connection in use
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:  # a disconnect
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_CODES  # extended codes keep the primary in the low byte
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str) and state:
        return state.startswith("08") or state in _PG_STATES  # class 08: connection errors
    message = str(orig).lower()
    return any(word in message for word in _WORDS)
