"""A SQLite store whose file is removed or replaced while Charter has it open.

A SQLite connection keeps the file it opened. After an unlink (a cleanup, `rm`) or an
`os.replace` of another file over it (a backup restored), the pool's connections went on
writing to the unlinked file: commits succeeded, even in sync mode, and the records were
gone with the last connection; a part built later (the approval queue) opened the file now
at the path, so the store split in two (found by probing). Each connection notes which
file (device, inode) the path named when it opened; each checkout compares that with what
the path names now (one `stat`). On a difference the pool is emptied and the checkout fails
as unavailable: the audit writer keeps its records and retries, a sync call fails closed,
and the next connection opens the file now at the path.
"""

from __future__ import annotations

import contextlib
import functools
import os
import weakref
from typing import Any

from sqlalchemy import Engine, event

from charter._private_files import private_file
from charter.errors import StoreError

_OPENED = "charter_sqlite_file"
"""The connection record's `info` key for the file the connection opened."""


def watch_file(engine: Engine, file: str, shown: str, *, may_create: bool) -> None:
    """Fail `engine`'s checkouts, and empty its pool, once `file` is removed or replaced.
    `shown`: the store's URL as messages name it. `may_create`: a removed file may be made
    again, empty and private, for the next connection (as `connect` made it), since SQLite
    would make it with the process's umask. Only an absolute `file` is the one every
    connection opens: the driver opens a relative path against the working directory at
    each connection, so `connect` makes it absolute when it makes the engine."""
    path = os.path.abspath(file)  # a relative one: as the working directory names it now
    event.listen(engine, "connect", functools.partial(_note, path))
    check = functools.partial(_check, path, weakref.ref(engine), shown, may_create)
    event.listen(engine, "checkout", check)


def _identity(path: str) -> tuple[int, int] | None:
    """The file at `path` (None: there is none); OSError when that cannot be known."""
    try:
        found = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return found.st_dev, found.st_ino


def _note(path: str, _dbapi_conn: Any, record: Any) -> None:
    with contextlib.suppress(OSError):
        record.info[_OPENED] = _identity(path)


def _check(
    path: str,
    engine_ref: weakref.ref[Engine],
    shown: str,
    may_create: bool,
    _dbapi_conn: Any,
    record: Any,
    _proxy: Any,
) -> None:
    opened = record.info.get(_OPENED)
    if opened is None:
        return  # not known when it opened: nothing to compare
    try:
        now = _identity(path)
    except OSError:
        return  # the folder cannot be searched: SQLite's own errors say what is wrong
    if now == opened:
        return
    engine = engine_ref()
    if engine is not None:
        engine.dispose()  # every pooled connection has the old file
    if now is None and may_create and os.path.isdir(os.path.dirname(path)):
        private_file(path)
    what = "removed" if now is None else "replaced by another file"
    raise StoreError(
        f"the SQLite store {shown} was {what} while it was open: the records written to "
        "the old file are not in the one at that path now. Charter opens that file on the next "
        "attempt: restore the store there, or restart the application to make a new one.",
        unavailable=True,
    )
