"""Queries on the approval tables. Plain functions on an open `Connection`: the caller owns
the transaction (see `charter.store.transactions`), so several calls form one atomic step.

Locking reads use `FOR UPDATE` (and `SKIP LOCKED` where many workers pick from one queue);
SQLAlchemy leaves these out on SQLite, where `BEGIN IMMEDIATE` already serialises writers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from charter.store.approval_tables import EVENTS, REQUESTS, VOTES


def insert_request(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(REQUESTS), [dict(values)])


def insert_request_once(conn: Connection, values: Mapping[str, Any]) -> bool:
    """Insert unless a request with this id exists (then False). A locking read cannot say
    so on PostgreSQL: a row not yet there locks nothing, and two workers holding the same
    keyed call both inserted (found by probing: one failed on the duplicate key). Here the
    second waits for the first to commit, then adds nothing."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    query = dialect.insert(REQUESTS).on_conflict_do_nothing(index_elements=[REQUESTS.c.id])
    inserted = conn.execute(query.execution_options(preserve_rowcount=True), dict(values))
    return inserted.rowcount == 1


def pending_with_key(conn: Connection, pending_key: str, now: datetime) -> str | None:
    """The oldest pending, unexpired request of `pending_key` (locked), if any."""
    query = (
        select(REQUESTS.c.id)
        .where(
            REQUESTS.c.pending_key == pending_key,
            REQUESTS.c.state == "pending",
            REQUESTS.c.expires_at > now,
        )
        .order_by(REQUESTS.c.created_at, REQUESTS.c.id)
        .limit(1)
        .with_for_update()
    )
    found = conn.execute(query).scalar()
    return str(found) if found is not None else None


def get_request(conn: Connection, request_id: str, *, lock: bool = False) -> RowMapping | None:
    query = select(REQUESTS).where(REQUESTS.c.id == request_id)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def update_request(conn: Connection, request_id: str, values: Mapping[str, Any]) -> None:
    conn.execute(update(REQUESTS).where(REQUESTS.c.id == request_id).values(**values))


def list_requests(
    conn: Connection,
    *,
    state: str | None,
    tenant: str | None,
    limit: int,
    of: tuple[str, str] | None = None,
) -> Sequence[RowMapping]:
    """Newest first."""
    query = select(REQUESTS).where(*made_in(of))
    if state is not None:
        query = query.where(REQUESTS.c.state == state)
    if tenant is not None:
        query = query.where(REQUESTS.c.tenant == tenant)
    query = query.order_by(REQUESTS.c.created_at.desc(), REQUESTS.c.id).limit(limit)
    return conn.execute(query).mappings().all()


def due_requests(
    conn: Connection, *, now: datetime, limit: int, of: tuple[str, str] | None = None
) -> Sequence[RowMapping]:
    """Pending requests past their deadline, and approved ones not used by theirs, made in
    `of` (None: any app), locked; rows another worker holds are skipped. Served by the
    (state, consumed_at, expires_at) index, so used approvals, however many, are not read."""
    query = (
        select(REQUESTS)
        .where(
            REQUESTS.c.state.in_(("pending", "approved")),
            REQUESTS.c.consumed_at.is_(None),
            REQUESTS.c.expires_at <= now,
            *made_in(of),
        )
        .order_by(REQUESTS.c.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return conn.execute(query).mappings().all()


Cursor = tuple[datetime, str]
"""Where a page ended: its last row's (created_at, id); the next page starts past it, so
paging stays stable while requests are added (an OFFSET would shift)."""


def pending_requests(
    conn: Connection, *, after: Cursor | None, limit: int, of: tuple[str, str] | None = None
) -> Sequence[RowMapping]:
    """A page of pending requests, newest first, past `after`."""
    query = (
        select(REQUESTS)
        .where(REQUESTS.c.state == "pending", *made_in(of), *_past(after, newest_first=True))
        .order_by(REQUESTS.c.created_at.desc(), REQUESTS.c.id)
        .limit(limit)
    )
    return conn.execute(query).mappings().all()


def claimable_requests(
    conn: Connection,
    *,
    reviewer: str,
    now: datetime,
    after: Cursor | None,
    limit: int,
    of: tuple[str, str] | None = None,
) -> Sequence[RowMapping]:
    """A page of the oldest pending requests `reviewer` did not make, has not voted on, and
    nobody else holds a live claim on, newer than `after`. Not locked: lock the one you pick
    with `lock_if_claimable`."""
    query = (
        select(REQUESTS)
        .where(*_claimable(reviewer, now), *made_in(of), *_past(after, newest_first=False))
        .order_by(REQUESTS.c.created_at, REQUESTS.c.id)
        .limit(limit)
    )
    return conn.execute(query).mappings().all()


def made_in(of: tuple[str, str] | None) -> tuple[Any, ...]:
    """The condition for requests made in `of`, a (tenant, app); None: in any."""
    if of is None:
        return ()
    tenant, app = of
    return (REQUESTS.c.tenant == tenant, REQUESTS.c.app == app)


def _past(cursor: Cursor | None, *, newest_first: bool) -> tuple[Any, ...]:
    """The condition for rows after `cursor` in the page order (ties on created_at: by id,
    ascending, as `list_requests` shows them)."""
    if cursor is None:
        return ()
    at, request_id = cursor
    created = REQUESTS.c.created_at
    later = created < at if newest_first else created > at
    return (or_(later, and_(created == at, REQUESTS.c.id > request_id)),)


def lock_if_claimable(
    conn: Connection, request_id: str, *, reviewer: str, now: datetime
) -> RowMapping | None:
    """Lock one request if it is still claimable and no other worker holds it (SKIP LOCKED):
    concurrent reviewers each get a different request without waiting on each other."""
    query = (
        select(REQUESTS)
        .where(REQUESTS.c.id == request_id, *_claimable(reviewer, now))
        .with_for_update(skip_locked=True)
    )
    return conn.execute(query).mappings().first()


def _claimable(reviewer: str, now: datetime) -> tuple[Any, ...]:
    # NOT IN (not NOT EXISTS): the reviewer's votes are read once and hashed, so the cost
    # does not depend on the planner guessing row counts right after a burst of inserts.
    voted = select(VOTES.c.request_id).where(VOTES.c.reviewer == reviewer)
    return (
        REQUESTS.c.state == "pending",
        REQUESTS.c.expires_at > now,
        REQUESTS.c.requester != reviewer,
        REQUESTS.c.id.not_in(voted),
        or_(
            REQUESTS.c.claimed_by.is_(None),
            REQUESTS.c.claimed_by == reviewer,
            and_(REQUESTS.c.claimed_until.is_not(None), REQUESTS.c.claimed_until <= now),
        ),
    )


def add_vote(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(VOTES), [dict(values)])


def add_events(conn: Connection, events: Iterable[Mapping[str, Any]]) -> None:
    rows = [dict(e) for e in events]
    if rows:
        conn.execute(insert(EVENTS), rows)


def votes_of(conn: Connection, request_ids: Sequence[str]) -> dict[str, list[RowMapping]]:
    return _children(conn, VOTES, request_ids)


def events_of(conn: Connection, request_ids: Sequence[str]) -> dict[str, list[RowMapping]]:
    return _children(conn, EVENTS, request_ids)


def _children(
    conn: Connection, table: Any, request_ids: Sequence[str]
) -> dict[str, list[RowMapping]]:
    grouped: dict[str, list[RowMapping]] = defaultdict(list)
    if not request_ids:
        return grouped
    query = select(table).where(table.c.request_id.in_(request_ids)).order_by(table.c.id)
    for row in conn.execute(query).mappings():
        grouped[row["request_id"]].append(row)
    return grouped
