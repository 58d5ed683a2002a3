"""The decision log's tables and queries: an append-only, hash-chained table plus a head row.

`charter_decision_log` holds one row per decision, numbered by `seq` (1, 2, 3, ...), each
with the SHA-256 of its predecessor (`prev_hash`) and its own (`hash`); `charter.audit`
computes the hashes. `charter_decision_log_head` is a single row with the newest `seq` and
`hash`. Appenders lock it (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE`
already serialises writers) before reading the chain head, so several processes appending
at once still form one unbroken chain, and `verify` can tell a truncated tail from an
untouched one.

Readers are plain functions on an open `Connection` (the caller owns the transaction, see
`charter.store.transactions`); `append_chained` owns its write transaction.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Dialect,
    Engine,
    RowMapping,
    Table,
    bindparam,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from charter.store.db import store_errors
from charter.store.transactions import write_transaction
from charter.store.types import UTCDateTime

GENESIS_HASH = "0" * 64
"""`prev_hash` of the first record."""
HEAD_ID = 1


class DecisionLogRow(SQLModel, table=True):
    """One decision. JSON columns are stored as canonical JSON text, exactly as hashed."""

    __tablename__ = "charter_decision_log"

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    decision_id: str = Field(max_length=64, index=True)
    timestamp: datetime = Field(sa_type=UTCDateTime, index=True)
    path: str
    input_json: str
    result_json: str
    policy_revision: str
    trace_id: str
    span_id: str
    labels_json: str
    metrics_json: str
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, index=True)


class DecisionLogHeadRow(SQLModel, table=True):
    """The newest record's `seq` and `hash` (seq 0 and the genesis hash when empty)."""

    __tablename__ = "charter_decision_log_head"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    hash: str = Field(max_length=64)


LOG: Table = DecisionLogRow.__table__  # type: ignore[attr-defined]
HEAD: Table = DecisionLogHeadRow.__table__  # type: ignore[attr-defined]


# Built once: a sync-mode append runs these for every decision.
_HEAD_QUERY = select(HEAD).where(HEAD.c.id == HEAD_ID)
_HEAD_QUERY_LOCKED = _HEAD_QUERY.with_for_update()
_INSERT = insert(LOG)
_MOVE_HEAD = (
    update(HEAD)
    .where(HEAD.c.id == HEAD_ID)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    hash: str


# --- schema ---------------------------------------------------------------------------------


def ensure_schema(engine: Engine) -> None:
    """Bring the store to the newest schema (this table comes with revision 0002)."""
    from charter.store.migrate import migrate

    migrate(engine)


def log_exists(engine: Engine) -> bool:
    with store_errors(engine, "looking for the decision log"), engine.connect() as conn:
        return bool(inspect(conn).has_table(LOG.name))


# --- writing --------------------------------------------------------------------------------


Chain = Callable[[ChainHead], Sequence[Mapping[str, Any]]]
"""Numbers and hashes a batch after the given head: the rows to insert, in `seq` order."""


def append_chained(engine: Engine, chain: Chain, doing: str) -> ChainHead:
    """One write transaction: lock the chain head, let `chain` build the rows that follow
    it, insert them and move the head to the last. Returns the new head. Driver errors
    become `StoreError` and nothing of the batch is kept."""
    if engine.dialect.name == "sqlite":
        return _append_sqlite(engine, chain, doing)
    with write_transaction(engine, doing) as conn:
        head = _lock_head(conn)
        rows = chain(head)
        if rows:
            conn.execute(_INSERT, [dict(r) for r in rows])
            last = rows[-1]
            conn.execute(_MOVE_HEAD, {"new_seq": last["seq"], "new_hash": last["hash"]})
    return _new_head(rows, head)


def _lock_head(conn: Connection) -> ChainHead:
    """The chain head inside a PostgreSQL write transaction (`SELECT ... FOR UPDATE`),
    locked until commit. Creates the head row on first use (databases made without the
    migration's seed row); SQLite's path does the same with its own statements."""
    row = _select_head(conn, lock=True)
    if row is None:
        conn.execute(
            postgresql.insert(HEAD)
            .values(id=HEAD_ID, seq=0, hash=GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = _select_head(conn, lock=True)
        assert row is not None
    return ChainHead(seq=int(row["seq"]), hash=str(row["hash"]))


def _new_head(rows: Sequence[Mapping[str, Any]], head: ChainHead) -> ChainHead:
    """The head after `rows` were appended to `head` (itself when there were none)."""
    if rows:
        return ChainHead(seq=int(rows[-1]["seq"]), hash=str(rows[-1]["hash"]))
    return head


# SQLite, the default store, is written on the driver's own connection with as few
# statements as a batch allows: BEGIN IMMEDIATE, the head, one multi-row INSERT, the head's
# update, COMMIT. The async audit writer shares the GIL with the guarded calls, and sqlite3
# releases it around every statement step; when the application's threads keep the GIL
# busy, each release costs the writer a wait (the interpreter's switch interval, 5 ms, or
# more). `executemany` steps once per row, so a batch of 200 records took about a second
# under load and the writer fell behind (records dropped); one INSERT per batch keeps the
# waits per batch at a handful. Values go through the columns' own bind processors, so the
# rows are stored exactly as the SQLAlchemy path stores them.
_COLUMNS = tuple(column.name for column in LOG.columns)
_SQLITE_HEAD = f"SELECT seq, hash FROM {HEAD.name} WHERE id = {HEAD_ID}"
_SQLITE_SEED_HEAD = (
    f"INSERT OR IGNORE INTO {HEAD.name} (id, seq, hash) VALUES ({HEAD_ID}, 0, '{GENESIS_HASH}')"
)
_SQLITE_MOVE_HEAD = f"UPDATE {HEAD.name} SET seq = ?, hash = ? WHERE id = {HEAD_ID}"
_SQLITE_MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999
_SQLITE_ROWS_PER_INSERT = _SQLITE_MAX_VARIABLES // len(_COLUMNS)


@lru_cache(maxsize=64)
def _sqlite_insert(rows: int) -> str:
    one = "(" + ", ".join("?" * len(_COLUMNS)) + ")"
    return f"INSERT INTO {LOG.name} ({', '.join(_COLUMNS)}) VALUES " + ", ".join([one] * rows)


def _append_sqlite(engine: Engine, chain: Chain, doing: str) -> ChainHead:
    with store_errors(engine, doing):
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            driver.execute("BEGIN IMMEDIATE")
            try:
                found = driver.execute(_SQLITE_HEAD).fetchone()
                if found is None:
                    driver.execute(_SQLITE_SEED_HEAD)
                    found = driver.execute(_SQLITE_HEAD).fetchone()
                head = ChainHead(seq=int(found[0]), hash=str(found[1]))
                rows = chain(head)
                if rows:
                    _insert_sqlite(driver, engine.dialect, rows)
                    last = rows[-1]
                    driver.execute(_SQLITE_MOVE_HEAD, (last["seq"], last["hash"]))
                driver.commit()
            except BaseException:
                driver.rollback()
                raise
        finally:
            raw.close()
    return _new_head(rows, head)


def _insert_sqlite(driver: Any, dialect: Dialect, rows: Sequence[Mapping[str, Any]]) -> None:
    processors = _bind_processors(dialect)
    for first in range(0, len(rows), _SQLITE_ROWS_PER_INSERT):
        chunk = rows[first : first + _SQLITE_ROWS_PER_INSERT]
        values = [
            value if process is None else process(value)
            for row in chunk
            for value, process in zip((row[c] for c in _COLUMNS), processors, strict=True)
        ]
        driver.execute(_sqlite_insert(len(chunk)), values)


def _bind_processors(dialect: Dialect) -> tuple[Callable[[Any], Any] | None, ...]:
    cached = _PROCESSORS.get(dialect.name)
    if cached is None:
        cached = tuple(column.type.bind_processor(dialect) for column in LOG.columns)
        _PROCESSORS[dialect.name] = cached
    return cached


_PROCESSORS: dict[str, tuple[Callable[[Any], Any] | None, ...]] = {}


def _select_head(conn: Connection, *, lock: bool) -> RowMapping | None:
    return conn.execute(_HEAD_QUERY_LOCKED if lock else _HEAD_QUERY).mappings().first()


# --- reading --------------------------------------------------------------------------------


def read_head(conn: Connection) -> ChainHead | None:
    row = _select_head(conn, lock=False)
    return None if row is None else ChainHead(seq=int(row["seq"]), hash=str(row["hash"]))


def head_exists(conn: Connection) -> bool:
    return bool(inspect(conn).has_table(HEAD.name))


@dataclass(frozen=True, slots=True)
class UnreadableRow:
    """A row with a stored value its column's type cannot read: SQLite keeps whatever a
    hand edit wrote (`timestamp='yesterday'`, `timestamp=1700000000`, `seq='five'`).
    Readers get this in its place, so they can name the row (tampering evidence) and go
    on with the others."""

    seq: Any
    """As stored: a whole number unless `column` is `seq` (then text, a float, NULL...)."""
    decision_id: str
    column: str


LogRow = RowMapping | UnreadableRow


def row_key(row: LogRow) -> tuple[Any, str]:
    """(seq, decision_id) of a row, readable or not; seq as stored (an `int` unless the
    row is unreadable for its seq)."""
    if isinstance(row, UnreadableRow):
        return row.seq, str(row.decision_id)
    return row["seq"], str(row["decision_id"])


def _whole(seq: Any) -> bool:
    return type(seq) is int


_UNREADABLE = (ValueError, TypeError)
"""What the driver and the column types raise for a value of the wrong type (TypeError for
a number where SQLite's datetime parser wants text)."""


def iter_rows(
    conn: Connection,
    *,
    since: datetime | None = None,
    limit: int | None = None,
    page: int = 500,
) -> Iterator[LogRow]:
    """Rows in `seq` order, fetched a page at a time (keyset on `seq`); an `UnreadableRow`
    stands for each row whose values cannot be read. Every row, a `seq` of 0 or below too:
    the writer never makes one, so it is a forgery `verify` must see (reading from seq 1
    hid it from verify and export alike, found by probing). Rows whose seq is NULL (a
    table rebuilt by hand) come first: they have no key to page on, and a page ending on
    one re-read the first page for ever (found by review)."""
    filters = [LOG.c.timestamp >= since] if since is not None else []
    page = min(page, limit) if limit else page  # `read_log(limit=10)` reads 10, not 500
    rows = itertools.chain(_null_seq_rows(conn, filters, page), _keyed_rows(conn, filters, page))
    return itertools.islice(rows, limit)


def _null_seq_rows(conn: Connection, filters: list[Any], page: int) -> Iterator[LogRow]:
    """The rows with a NULL seq, paged by offset: there is no key, so they are ordered by
    every column (rows equal in all are interchangeable); the snapshot holds still."""
    done = 0
    while True:
        batch = _page(conn, [LOG.c.seq.is_(None), *filters], page, done)
        yield from batch
        if len(batch) < page:
            return
        done += len(batch)


def _keyed_rows(conn: Connection, filters: list[Any], page: int) -> Iterator[LogRow]:
    after: list[Any] = [LOG.c.seq.is_not(None)]
    while True:
        batch = _page(conn, [*after, *filters], page)
        yield from batch
        if len(batch) < page:
            return
        after = [LOG.c.seq > row_key(batch[-1])[0]]


def _page(
    conn: Connection, where: list[Any], size: int, skip: int | None = None
) -> Sequence[LogRow]:
    """One page; when a value in it does not read as its type (the driver raises for the
    whole page), its rows one at a time. A row whose seq is not a whole number (SQLite
    keeps text there; it sorts after every number) is unreadable by its seq."""
    order = [LOG.c.seq] if skip is None else list(LOG.columns)
    query = select(LOG).where(*where).order_by(*order).limit(size).offset(skip)
    try:
        rows = conn.execute(query).mappings().all()
    except _UNREADABLE:
        keys = conn.execute(query.with_only_columns(LOG.c.seq, LOG.c.decision_id))
        return [_one_row(conn, seq, str(decision_id)) for seq, decision_id in keys]
    return [
        row if _whole(row["seq"]) else UnreadableRow(row["seq"], str(row["decision_id"]), "seq")
        for row in rows
    ]


def _one_row(conn: Connection, seq: Any, decision_id: str) -> LogRow:
    if not _whole(seq):
        return UnreadableRow(seq, decision_id, "seq")
    try:
        return conn.execute(select(LOG).where(LOG.c.seq == seq)).mappings().one()
    except _UNREADABLE:
        for column in LOG.columns:
            try:
                conn.execute(select(column).where(LOG.c.seq == seq)).all()
            except _UNREADABLE:
                return UnreadableRow(seq, decision_id, column.name)
        raise


def rows_with_hash(conn: Connection, digest: str) -> Sequence[int]:
    """The `seq` of each row whose hash is `digest`."""
    return conn.execute(select(LOG.c.seq).where(LOG.c.hash == digest)).scalars().all()
