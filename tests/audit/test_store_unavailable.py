"""A store that is unavailable is retried and never costs a record; a store that fails for
good is not called unavailable (found by review of 0141ca1)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from charter.errors import StoreError
from charter.store import connect, migrate
from charter.store.transactions import write_transaction


def test_a_full_connection_pool_is_unavailable(sqlite_url: str) -> None:
    """Found by review: with every pooled connection in use, the writer got SQLAlchemy's
    pool TimeoutError untranslated, never "unavailable", so after its single tries a
    valid record became a marker (the writer keeps records that wait on an unavailable
    store: test_writer's locked-store test)."""
    engine = connect(sqlite_url, pool_size=1, max_overflow=0, pool_timeout=0.01)
    migrate(engine)
    held = engine.connect()  # the app holds the only connection
    try:
        with pytest.raises(StoreError) as caught, write_transaction(engine, "writing"):
            pass
    finally:
        held.close()
        engine.dispose()
    assert caught.value.unavailable, caught.value
    assert "QueuePool limit" in str(caught.value)


@pytest.mark.parametrize(
    ("statement", "unavailable"),
    [
        ("INSERT INTO nowhere VALUES (1)", False),  # no such table
        ("UPDATE charter_decision_log SET missing_column = 1", False),  # no such column
        ("LOCKED", True),
    ],
    ids=["no-such-table", "no-such-column", "locked"],
)
def test_only_a_failure_retrying_may_cure_is_unavailable(
    sqlite_url: str, statement: str, unavailable: bool
) -> None:
    engine = connect(sqlite_url, busy_timeout_ms=10)
    migrate(engine)
    blocker = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    if statement == "LOCKED":
        blocker.execute("BEGIN IMMEDIATE")
        statement = "DELETE FROM charter_decision_log"
    try:
        with pytest.raises(StoreError) as caught, write_transaction(engine, "writing") as conn:
            conn.execute(text(statement))
    finally:
        blocker.close()
        engine.dispose()
    assert caught.value.unavailable is unavailable, caught.value
    if not unavailable:
        assert "retrying will not help" in str(caught.value)


def test_a_read_only_store_is_not_unavailable(sqlite_url: str) -> None:
    engine = connect(sqlite_url)
    migrate(engine)
    try:
        with pytest.raises(StoreError) as caught, write_transaction(engine, "writing") as conn:
            conn.execute(text("PRAGMA query_only = ON"))  # as a read-only file answers
            conn.execute(text("DELETE FROM charter_decision_log"))
    finally:
        engine.dispose()
    assert "readonly database" in str(caught.value)
    assert not caught.value.unavailable, caught.value
