"""The decision log's tables and queries: an append-only, hash-chained table plus a head row.

`charter_decision_log` holds one row per decision, numbered by `seq` (1, 2, 3, ...), each
with the SHA-256 of its predecessor (`prev_hash`) and its own (`hash`); `charter.audit`
computes the hashes. `charter_decision_log_head` is a single row with the newest `seq` and
`hash`. Appenders lock it (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE`
already serialises writers) before reading the chain head, so several processes appending
at once still form one unbroken chain, and `verify` can tell a truncated tail from an
untouched one.

Plain functions on an open `Connection`: the caller owns the transaction (see
`charter.store.transactions`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    RowMapping,
    Table,
    bindparam,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel

from charter.store.db import store_errors
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


def lock_head(conn: Connection) -> ChainHead:
    """Read the chain head inside a write transaction, locking it until commit. Creates the
    head row on first use (databases made without the migration's seed row)."""
    row = _select_head(conn, lock=True)
    if row is None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(HEAD)
            .values(id=HEAD_ID, seq=0, hash=GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = _select_head(conn, lock=True)
        assert row is not None
    return ChainHead(seq=int(row["seq"]), hash=str(row["hash"]))


def append_rows(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert already-chained rows and move the head to the last one (same transaction as
    `lock_head`)."""
    if not rows:
        return
    conn.execute(_INSERT, [dict(r) for r in rows])
    last = rows[-1]
    conn.execute(_MOVE_HEAD, {"new_seq": last["seq"], "new_hash": last["hash"]})


def _select_head(conn: Connection, *, lock: bool) -> RowMapping | None:
    return conn.execute(_HEAD_QUERY_LOCKED if lock else _HEAD_QUERY).mappings().first()


# --- reading --------------------------------------------------------------------------------


def read_head(conn: Connection) -> ChainHead | None:
    row = _select_head(conn, lock=False)
    return None if row is None else ChainHead(seq=int(row["seq"]), hash=str(row["hash"]))


def iter_rows(
    conn: Connection,
    *,
    since: datetime | None = None,
    limit: int | None = None,
    page: int = 500,
) -> Iterator[RowMapping]:
    """Rows in `seq` order, fetched a page at a time (keyset on `seq`)."""
    after = 0
    remaining = limit
    while remaining is None or remaining > 0:
        size = page if remaining is None else min(page, remaining)
        query = select(LOG).where(LOG.c.seq > after).order_by(LOG.c.seq).limit(size)
        if since is not None:
            query = query.where(LOG.c.timestamp >= since)
        batch = conn.execute(query).mappings().all()
        yield from batch
        if len(batch) < size:
            return
        after = int(batch[-1]["seq"])
        if remaining is not None:
            remaining -= len(batch)


def rows_with_hash(conn: Connection, digest: str) -> Sequence[RowMapping]:
    return conn.execute(select(LOG).where(LOG.c.hash == digest)).mappings().all()
