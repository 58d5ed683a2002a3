"""SQLite failures that retrying on the same connection cannot cure, and what does.

Found by probing: a store file that was read-only when the app started (0444, a read-only
mount) made SQLite open it read-only without a word, and the pool kept that connection:
once the file was writable again every write still failed ("attempt to write a readonly
database") until a restart, so async records were lost at close and every sync call
failed. A failure with SQLITE_READONLY (any extended code) empties the pool, as every
connection opened the file alike, and the next attempt opens the file again. The hint said
"retrying will not help" for a read-only file and a full disk, both cured once fixed.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine


def _primary_code(orig: BaseException | None) -> int | None:
    code = getattr(orig, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None  # extended codes: low byte


def reopen_if_read_only(engine: Engine, orig: BaseException | None) -> None:
    """Drop `engine`'s pooled connections when `orig` says the database is read-only."""
    if _primary_code(orig) == sqlite3.SQLITE_READONLY:
        engine.dispose()


def lasting_hint(orig: BaseException | None) -> str:
    """What to do about a failure that is not the store being unavailable."""
    code = _primary_code(orig)
    if code == sqlite3.SQLITE_READONLY:
        return (
            "the database file, its folder or its disk is read-only to this process: make "
            "it writable, and the next attempt opens the file again"
        )
    if code == sqlite3.SQLITE_FULL:
        return "the disk is full: free space, and the next attempt can succeed"
    return "retrying will not help: check the database's schema, permissions and free space"
