"""Transactions with the isolation each backend needs for correct concurrent updates.

SQLite: writers start with `BEGIN IMMEDIATE`, taking the write lock before they read, so
two processes can never both read "2 approvals" and both write a third; readers start a
deferred `BEGIN` so several SELECTs see one snapshot. PostgreSQL: writers lock the rows they
change with `SELECT ... FOR UPDATE`; readers use REPEATABLE READ for one snapshot.
Driver errors become `StoreError` (see `store_errors`); a failed transaction rolls back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection, Engine

from charter.store.db import store_errors


def is_sqlite(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


@contextlib.contextmanager
def write_transaction(engine: Engine, doing: str) -> Iterator[Connection]:
    """A transaction that commits when the block ends normally and rolls back otherwise."""
    with store_errors(engine, doing), engine.connect() as conn:
        if is_sqlite(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn
        conn.commit()


@contextlib.contextmanager
def read_transaction(engine: Engine, doing: str) -> Iterator[Connection]:
    """A read-only snapshot; nothing written in the block is kept."""
    with store_errors(engine, doing), engine.connect() as conn:
        if is_sqlite(conn):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.execution_options(isolation_level="REPEATABLE READ")
        yield conn
        conn.rollback()
