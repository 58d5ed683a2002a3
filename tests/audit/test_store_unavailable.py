"""A store that is unavailable is retried and never costs a record; a store that fails for
good is not called unavailable (found by review of 0141ca1)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, text

from charter.audit import AuditLog, iter_records
from charter.decision import Action, Decision
from charter.errors import AuditError, StoreError
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


def test_a_connection_opened_read_only_is_reopened_once_the_file_is_writable(
    sqlite_url: str,
) -> None:
    """Found by probing: a store file read-only when the app started (0444) was opened
    read-only by SQLite and the pool kept that connection, so after `chmod 600` every write
    still failed until a restart. `PRAGMA query_only` makes a pooled connection answer
    as that one did (SQLITE_READONLY) while the file is writable; the write after the
    failure gets a connection opened again."""
    engine = connect(sqlite_url, pool_size=1, max_overflow=0)
    migrate(engine)
    with engine.connect() as conn:  # the only pooled connection: read-only from now on
        conn.exec_driver_sql("PRAGMA query_only = ON")
    log = AuditLog(engine, mode="sync", write_timeout=5)
    try:
        log.record(Decision(action=Action.ALLOW), {"i": 1})  # was: AuditError, every time
        last_error = log.stats.last_error
    finally:
        log.close()
        engine.dispose()
    assert [r.input["i"] for r in iter_records(sqlite_url)] == [1]
    assert last_error is not None and "readonly database" in last_error
    assert "retrying will not help" not in last_error
    assert "make it writable, and the next attempt opens the file again" in last_error


def test_a_full_disk_is_not_said_to_be_beyond_retrying(sqlite_url: str) -> None:
    engine = connect(sqlite_url)
    migrate(engine)
    try:
        with pytest.raises(StoreError) as caught, write_transaction(engine, "writing") as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
            conn.exec_driver_sql(f"PRAGMA max_page_count = {pages}")  # as a full disk answers
            conn.execute(text("CREATE TABLE filler (x BLOB)"))
            conn.execute(text("INSERT INTO filler VALUES (zeroblob(100000))"))
    finally:
        engine.dispose()
    assert "database or disk is full" in str(caught.value)
    assert "the disk is full: free space, and the next attempt can succeed" in str(caught.value)
    assert "retrying will not help" not in str(caught.value)


def test_the_retry_warning_reads_as_one_sentence(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by probing: the warning while a read-only store was retried read "...opens the
    file again.; retrying in 0.50s": the store error's last sentence, then the retry."""
    engine = connect(sqlite_url)
    migrate(engine)
    engine.dispose()
    event.listen(engine, "connect", lambda conn, _record: conn.execute("PRAGMA query_only = ON"))
    log = AuditLog(engine, mode="sync", write_timeout=0.3)  # every connection read-only
    try:
        with caplog.at_level("WARNING", logger="charter.audit"), pytest.raises(AuditError):
            log.record(Decision(action=Action.ALLOW), {"i": 1})
    finally:
        log.close()
        engine.dispose()
    said = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert said and all("opens the file again; retrying in" in s for s in said), said
