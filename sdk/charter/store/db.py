"""Database engines from a URL, with the pragmas and error translation Charter relies on.

SQLite (the embedded default) runs in WAL mode with a busy timeout so several processes
can share one file; PostgreSQL URLs use psycopg 3. Errors that mean "the database is down
or locked" become `StoreError` with a message that says what to do.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.util import asbool

from charter._private_files import private_file
from charter._urls import shown_url
from charter.errors import ConfigurationError, StoreError
from charter.store.deadline import expired_bound, watch_connections
from charter.store.lasting import lasting_hint, reopen_if_read_only
from charter.store.swapped_file import watch_file
from charter.store.unavailable import is_unavailable

SQLITE_BUSY_TIMEOUT_MS = 5000
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()
"""Every engine `connect` made, for `_forget_pooled_connections` after a fork."""
NOTHING_LOST = " Nothing was lost."
"""How a `StoreError` for a failed transaction ends (it was rolled back whole); a caller that
goes on to give records up (the audit writer) removes it from what it reports."""


def connect(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    """Create an engine for `sqlite:///path` or `postgresql://...` (psycopg 3).

    `busy_timeout_ms`: how long a SQLite writer waits for another process's lock before
    failing with a "locked" `StoreError`.
    """
    parsed = check_store_url(url)
    if parsed.get_backend_name() == "sqlite":
        parsed = absolute_sqlite(parsed)  # every connection opens one file, cwd as it may be
        file, may_create = sqlite_file(parsed), not _opens_only(parsed)
        if file and may_create:
            private_file(file)  # readable by its owner only, with its -wal and -shm
        engine = create_engine(parsed, connect_args={"timeout": busy_timeout_ms / 1000}, **kwargs)
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_timeout_ms))
        if file:
            watch_file(engine, file, redacted_url(engine), may_create=may_create)
    elif parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 10)
        engine = _postgres_engine(parsed, **kwargs)
        watch_connections(engine)  # `charter.store.deadline.bounded` can cut its waits
    else:
        raise AssertionError("check_store_url admits only sqlite and postgresql")
    _ENGINES.add(engine)
    return engine


def _forget_pooled_connections() -> None:
    """A forked child (gunicorn --preload, Celery prefork) inherits the parent's pooled
    connections: two processes talking on one socket garble each other's transactions
    (probing found raw driver errors and commits answered by another's query). The child
    drops its copies without closing them (they are the parent's) and opens its own."""
    for engine in list(_ENGINES):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pooled_connections)


def _postgres_engine(url: URL, **kwargs: Any) -> Engine:
    """`create_engine` imports the driver: without the `postgres` extra that is a bare
    `ModuleNotFoundError` from inside every guarded call and command; say what to install."""
    try:
        return create_engine(url, **kwargs)
    except ImportError as exc:
        shown = shown_url(url.render_as_string(hide_password=True))
        raise ConfigurationError(
            f"the PostgreSQL store {shown!r} needs its "
            f"driver, which cannot be imported ({exc}); install the postgres extra: "
            "pip install 'charter[postgres]'"
        ) from None


def missing_sqlite_file(url: str) -> bool:
    """Whether `url` names a SQLite file that does not exist. Commands that only read a
    store refuse it rather than create an empty store at a mistyped path. Not a URL at
    all: False, so the caller's own parsing says what is wrong with it."""
    try:
        file = sqlite_file(make_url(url)) if "://" in url else None
    except Exception:
        return False
    return bool(file) and not Path(str(file)).exists()


def sqlite_file(url: URL) -> str | None:
    """The database file a SQLite URL names, plain (`sqlite:///path`) or as a SQLite URI
    (`sqlite:///file:path?uri=true`); None for an in-memory or temporary database
    (`sqlite://`, `:memory:`, `file::memory:`, `mode=memory`) and for other backends.
    Probing found the URI form read as a file named `file:/...`: its store got no pseudonym
    key and stayed world-readable, and its checkpoints went to a stray `./file:` folder."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if _uri_form(url):
        if url.query.get("mode") == "memory":
            return None
        database = _uri_path(database)
    return None if database in ("", ":memory:") else database


def absolute_sqlite(url: URL) -> URL:
    """`url` with a relative SQLite file path made absolute against the working directory
    now (not resolved: a symlink's spelling stays); any other URL as it is. Found by
    probing: the driver opens a relative path against the working directory of the moment
    each connection opens, so after `os.chdir` a URI-form engine's new connections, and
    every part built later, made and wrote a second store in the new directory."""
    file = sqlite_file(url)
    if file is None or os.path.isabs(file):
        return url
    path = str(Path(file).absolute())
    uri = _uri_form(url) and (url.database or "").startswith("file:")
    return url.set(database="file:" + quote(path) if uri else path)


def absolute_store_url(url: str) -> str:
    """`absolute_sqlite` for a URL string; one that is no store URL as it is (the part that
    uses it says what is wrong)."""
    try:
        parsed = check_store_url(url)
    except ConfigurationError:
        return url
    anchored = absolute_sqlite(parsed)
    return url if anchored is parsed else anchored.render_as_string(hide_password=False)


def _uri_form(url: URL) -> bool:
    """Whether the driver opens `url.database` as a SQLite URI (`uri=true`, as pysqlite reads)."""
    try:
        return bool(asbool(url.query.get("uri", False)))
    except ValueError:
        return False  # the driver refuses the URL: it names no file


def _opens_only(url: URL) -> bool:
    """A SQLite URI with `mode=ro` or `mode=rw` opens a database only where one exists:
    making an empty one in its place would hide a mistyped path."""
    return _uri_form(url) and url.query.get("mode") in ("ro", "rw")


def _uri_path(database: str) -> str:
    """The path of a SQLite URI (`file:/abs`, `file:rel`, `file:///abs`,
    `file://localhost/abs`; its query already split off), percent-escapes decoded as SQLite
    does. A name without `file:` is a plain file name, even with `uri=true`."""
    if not database.startswith("file:"):
        return database
    path = database.removeprefix("file:").partition("#")[0]
    if path.startswith("//"):
        path = "/" + path[2:].partition("/")[2]  # the authority: empty or localhost
    return unquote(path)


def refuse_private_memory(url: str, store: str) -> None:
    """An in-memory SQLite database belongs to one connection, and each thread gets its own
    (SQLAlchemy's per-thread pool): what one thread writes, another never sees, and its
    reads fail with "no such table", which reads like a database that is down. `store`
    names what refuses (e.g. "the decision log") in the error."""
    parsed = check_store_url(url)
    if parsed.get_backend_name() == "sqlite" and sqlite_file(parsed) is None:
        raise ConfigurationError(
            f"{store} cannot use the in-memory SQLite store {url!r}: every thread would see "
            "its own empty database, so what one thread writes another could never read. "
            "Use a file (sqlite:///path/charter.db), or pass an Engine that shares one "
            "connection across threads (StaticPool)."
        )


def store_url_setting(value: str) -> str:
    """`parsed_store_url` for the setting's validator: its error as a `ValueError`, which
    `Settings.build` turns into one naming where the value came from."""
    try:
        parsed_store_url(value)
    except ConfigurationError as exc:
        raise ValueError(str(exc).removeprefix("store_url ")) from None
    return value


def parsed_store_url(url: str) -> URL:
    """`url` as SQLAlchemy reads it, its port a number from 1 to 65535; else a
    `ConfigurationError` showing the URL without its password. Found by probing: a port
    such as `:notaport` passed `Settings.build`, then `audit.verify` and the queue raised
    a bare `ValueError` from the first connect; an unparsable URL was quoted whole, and
    one SQLAlchemy cannot read at all (`postgresql//u:pw@h/db`) is not shown: no reading
    of it can say where its password is."""
    if not isinstance(url, str):  # make_url takes a URL object too, not a Charter setting
        raise ConfigurationError(
            f"store_url takes a database URL, a str (got {type(url).__name__}); use "
            "sqlite:///path or postgresql://user:password@host:port/database"
        )
    why: str | None = None
    shown = shown_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        why, shown = "", "(not shown: it may hold a password)"
    except ValueError:  # SQLAlchemy reads the port with int()
        why = " (its port is not a number)"
    else:
        if parsed.port is not None and not 1 <= parsed.port <= 65535:
            why = " (its port is not from 1 to 65535)"
    if why is not None:
        raise ConfigurationError(
            f"store_url {shown} is not a database URL{why}; use sqlite:///path or "
            "postgresql://user:password@host:port/database"
        )
    return parsed


def check_store_url(url: str) -> URL:
    """`url` parsed, when it names a store Charter supports; else a `ConfigurationError`
    that says what to write (before anything starts that would need the store)."""
    parsed = parsed_store_url(url)
    if parsed.get_backend_name() == "postgres":  # libpq's and many hosts' spelling
        parsed = parsed.set(drivername="postgresql" + parsed.drivername.removeprefix("postgres"))
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"store_url backend {parsed.get_backend_name()!r} is not supported; "
            "use sqlite:///path or postgresql://..."
        )
    return parsed


def _sqlite_pragmas(busy_timeout_ms: int, dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    _ensure_wal(cur, busy_timeout_ms)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _ensure_wal(cur: Any, busy_timeout_ms: int) -> None:
    """Switch a new database file to WAL. The mode is stored in the file, so only the first
    connections ever switch; SQLite answers the switch with "locked" at once, without its
    busy handler, when another connection is using the file, so retry up to the timeout."""
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + busy_timeout_ms / 1000
    delay = 0.005
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def store_identity(url: str | URL) -> str:
    """Which database `url` names, however it is spelled: a SQLite file's resolved path, a
    PostgreSQL host, port and database (no user or password); else `url` as given. Lets
    records that name their store (checkpoints) match a store spelled another way."""
    try:
        parsed = check_store_url(url) if isinstance(url, str) else url
    except ConfigurationError:
        return str(url)
    if parsed.get_backend_name() == "postgresql":
        host = (parsed.host or "localhost").lower()
        return f"postgresql://{host}:{parsed.port or 5432}/{parsed.database or ''}"
    file = sqlite_file(parsed)
    if file is None:
        return parsed.render_as_string(hide_password=True)
    return f"sqlite:///{Path(file).resolve()}"


def redacted_url(engine: Engine) -> str:
    """The URL without its password (in the user part or the query), for messages."""
    return shown_url(engine.url.render_as_string(hide_password=True))


@contextlib.contextmanager
def store_errors(engine: Engine, doing: str) -> Iterator[None]:
    """Translate driver errors into `StoreError` naming the database and the operation
    (SQLAlchemy's wrapped errors, its pool's timeout, and sqlite3's own from code that uses
    its cursor); `unavailable` only when retrying may help (`is_unavailable`)."""
    try:
        yield
    except (DBAPIError, sqlite3.Error, PoolTimeout) as exc:
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        reopen_if_read_only(engine, orig)
        reason = (str(orig).splitlines() or [""])[0] or type(exc).__name__
        bound = expired_bound()
        if bound is not None or is_unavailable(exc):
            if bound is not None:
                reason = f"the database did not answer within {bound:g}s"
            if isinstance(exc, PoolTimeout):
                hint = "every pooled connection is in use; retry, or raise the pool size"
            elif "locked" in reason and bound is None:
                hint = "another process holds the lock; retry, or check for a stuck writer"
            else:
                hint = "check that the database is running and reachable"
            raise StoreError(
                f"{doing} failed on {redacted_url(engine)}: {reason}; {hint}.{NOTHING_LOST}",
                unavailable=True,
            ) from None
        if isinstance(exc, OperationalError | sqlite3.OperationalError):
            raise StoreError(
                f"{doing} failed on {redacted_url(engine)}: {reason}; "
                f"{lasting_hint(orig)}.{NOTHING_LOST}"
            ) from None
        raise StoreError(f"{doing} failed on {redacted_url(engine)}: {reason}") from None
