"""Approval requests at rest: the database, its transactions, and the state changes a
transaction may make (a move, an expiry, a history entry). Every read-then-write runs in
one locked transaction (`charter.store.transactions`), so many processes can share one
queue. What a change *means* is decided in `lifecycle`; who hears of it, in `notify`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping

from charter._shown import shown
from charter.approvals import _records
from charter.approvals._signal import CHANGES
from charter.approvals.lifecycle import Origin, TimeoutStep, stamp, timeout_step, use_deadline
from charter.approvals.models import (
    SETTLED,
    ApprovalRequest,
    ApprovalState,
    EventKind,
    action_digest,
)
from charter.errors import ApprovalError, NotAuthorized
from charter.store import approval_repo as repo
from charter.store.db import connect, refuse_private_memory
from charter.store.deadline import bounded
from charter.store.migrate import migrate as migrate_schema
from charter.store.transactions import read_transaction, write_transaction

Clock = Callable[[], datetime]

ANSWER_TIMEOUT_S = 5.0
"""How long one step on the queue (a read, or a write transaction) may wait for PostgreSQL
in all before it fails with `StoreError` (`charter.store.deadline`): a guarded call that
submits or uses an approval is denied rather than held by a server that stopped answering
(found by probing: 60 s, as long as the server was frozen)."""
PAGE = 100
"""Requests read per transaction when paging through the pending ones."""
CHARTER_ACTOR = "charter"
"""The actor recorded for steps Charter takes itself (timeouts, escalations)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class ApprovalStore:
    """Requests, votes and history in SQL (SQLite or PostgreSQL)."""

    def __init__(
        self,
        store: str | Engine,
        *,
        clock: Clock = utcnow,
        migrate: bool = True,
        answer_timeout_s: float = ANSWER_TIMEOUT_S,
        scope: Origin | None = None,
    ):
        self._owns_engine = isinstance(store, str)
        self.scope = scope
        self.answer_timeout_s = answer_timeout_s
        if isinstance(store, str):
            refuse_private_memory(store, "the approval queue")  # waits read from other threads
        self.engine = connect(store) if isinstance(store, str) else store
        self.clock = clock
        if migrate:
            try:
                migrate_schema(self.engine)
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    @contextmanager
    def writing(self, what: str, changed: Iterable[str]) -> Iterator[Connection]:
        """One locked write transaction; the waiters of the `changed` requests (read after
        it commits, so a list filled inside counts) hear of it then."""
        with bounded(self.answer_timeout_s), write_transaction(self.engine, what) as conn:
            yield conn
        CHANGES.notify(changed)

    def insert(
        self, row: Mapping[str, Any], created: Mapping[str, Any], *, once: bool = False
    ) -> ApprovalRequest | None:
        """Queue a request. `once`: if one with this id exists, return it and add nothing
        (a keyed submit repeated by a framework that re-runs a step). A row with a
        `pending_key` returns the pending request of that key instead, if there is one.
        On PostgreSQL two such submits at the same instant can both find none (the lock
        holds no row yet) and file two: the duplicate a retry made before, each needing
        its own approval; the next retry gets the older one."""
        with self.writing("queueing an approval request", [row["id"]]) as conn:
            key = row.get("pending_key")
            pending = repo.pending_with_key(conn, key, row["created_at"]) if key else None
            if pending is not None:
                return self.reload(conn, pending)
            if not once:
                repo.insert_request(conn, row)
            elif not repo.insert_request_once(conn, row):
                return self.reload(conn, row["id"])
            repo.add_events(conn, [created])
        return None

    def get(self, request_id: str) -> ApprovalRequest:
        request_id = well_formed(request_id)
        with (
            bounded(self.answer_timeout_s),
            read_transaction(self.engine, f"reading approval request {request_id}") as conn,
        ):
            request = _records.load_one(conn, request_id)
        if request is None:
            raise unknown(request_id)
        foreign = self.foreign(request)
        if foreign is not None:
            raise foreign
        return request

    def foreign(self, request: ApprovalRequest) -> NotAuthorized | None:
        """Why this queue may not touch `request`: it serves one tenant and app, and another
        app on the same store may trust other reviewers (found by probing: app B's queue
        approved app A's held refund for a reviewer A's policy refuses, and A ran it)."""
        if self.scope is None or self.scope == (request.tenant, request.app):
            return None
        return NotAuthorized(
            f"request {request.id} was made in another tenant or app; only that app's "
            "queue (or `charter approvals`) can read or decide it"
        )

    def list(
        self, state: ApprovalState | None, tenant: str | None, limit: int
    ) -> builtins.list[ApprovalRequest]:
        with (
            bounded(self.answer_timeout_s),
            read_transaction(self.engine, "listing approval requests") as conn,
        ):
            rows = repo.list_requests(
                conn,
                state=state.value if state else None,
                tenant=tenant,
                limit=limit,
                of=self.scope,
            )
            return _records.load(conn, rows)

    def pending(self, *, page: int = PAGE) -> Iterator[ApprovalRequest]:
        """Every pending request, newest first, read `page` at a time (one transaction
        each), so a caller that stops early reads no more and none are held in memory."""

        def fetch(conn: Connection, after: repo.Cursor | None) -> Sequence[RowMapping]:
            return repo.pending_requests(conn, after=after, limit=page, of=self.scope)

        return self._paged(fetch, page, "listing pending approval requests", history=True)

    def claimable(
        self, reviewer: str, now: datetime, *, page: int = PAGE
    ) -> Iterator[ApprovalRequest]:
        """The requests `reviewer` could claim (`repo.claimable_requests`), oldest first,
        read as `pending` reads; nothing is locked until one is chosen."""

        def fetch(conn: Connection, after: repo.Cursor | None) -> Sequence[RowMapping]:
            return repo.claimable_requests(
                conn, reviewer=reviewer, now=now, after=after, limit=page, of=self.scope
            )

        return self._paged(fetch, page, "finding an approval request to claim", history=False)

    def _paged(
        self,
        fetch: Callable[[Connection, repo.Cursor | None], Sequence[RowMapping]],
        page: int,
        what: str,
        *,
        history: bool,
    ) -> Iterator[ApprovalRequest]:
        after: repo.Cursor | None = None
        while True:
            with bounded(self.answer_timeout_s), read_transaction(self.engine, what) as conn:
                rows = fetch(conn, after)
                requests = _records.load(conn, rows, history=history)
            yield from requests
            if len(rows) < page:
                return
            after = (rows[-1]["created_at"], rows[-1]["id"])

    def current(self, request_id: str) -> ApprovalRequest:
        """The request as it stands now, with an overdue deadline applied."""
        request = self.get(request_id)
        if timeout_step(request, self.clock()) is None:
            return request
        with self.writing(f"expiring approval {request_id}", [request_id]) as conn:
            request = self.expire_if_due(conn, self.locked(conn, request_id), self.clock())
        return request

    # --- inside a transaction ------------------------------------------------------------

    def locked(
        self, conn: Connection, request_id: str, *, history: bool = False
    ) -> ApprovalRequest:
        """The request, row-locked for this transaction (history only when asked for)."""
        row = repo.get_request(conn, well_formed(request_id), lock=True)
        if row is None:
            raise unknown(request_id)
        return _records.load(conn, [row], history=history)[0]

    def reload(self, conn: Connection, request_id: str) -> ApprovalRequest:
        request = _records.load_one(conn, request_id)
        assert request is not None, "a locked request cannot vanish in its own transaction"
        return request

    def move(
        self,
        conn: Connection,
        request: ApprovalRequest,
        state: ApprovalState,
        now: datetime,
        *,
        release_claim_of: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"state": state.value, "updated_at": now}
        if state is ApprovalState.APPROVED:
            values["expires_at"] = use_deadline(request, now)
        if state in SETTLED:
            values.update(self.settled_action(request))
        if release_claim_of is not None and request.claimed_by == release_claim_of:
            values.update(claimed_by=None, claimed_until=None)
        repo.update_request(conn, request.id, values)

    def claim(
        self,
        conn: Connection,
        request: ApprovalRequest,
        reviewer: str,
        now: datetime,
        lease_s: float,
    ) -> ApprovalRequest:
        """Mark `request` (locked in `conn`) as looked at by `reviewer` until `now + lease_s`."""
        until = now + timedelta(seconds=lease_s)
        repo.update_request(conn, request.id, {"claimed_by": reviewer, "claimed_until": until})
        state = request.state
        why = f"claimed for review until {stamp(until)}"
        _records.History(conn, request.id, now).add(EventKind.CLAIMED, reviewer, state, state, why)
        return self.reload(conn, request.id)

    @staticmethod
    def settled_action(request: ApprovalRequest) -> dict[str, Any]:
        """The column update that drops a settled request's action text (none when the
        app opted in to `store_content`)."""
        if request.keep_action:
            return {}
        return {"action": action_digest(request.action)}

    def expire_if_due(
        self, conn: Connection, request: ApprovalRequest, now: datetime
    ) -> ApprovalRequest:
        """Apply the deadline inside the caller's locked transaction, if it has passed: as
        many steps as have come due (an escalation whose own deadline passed too expires).
        Another app's request is left as it is: this queue refuses it (found by review)."""
        if self.foreign(request) is not None:
            return request
        while (step := timeout_step(request, now)) is not None:
            request = self._time_out(conn, request, step, now)
        return request

    def _time_out(
        self, conn: Connection, request: ApprovalRequest, step: TimeoutStep, now: datetime
    ) -> ApprovalRequest:
        state = request.state
        if step.escalate_to is not None:
            repo.update_request(
                conn,
                request.id,
                {
                    "approvers": step.escalate_to.model_dump(mode="json"),
                    "requirements": None,  # the escalation's approvers decide alone
                    "expires_at": step.new_deadline,
                    "escalations": request.escalations + 1,
                    "claimed_by": None,
                    "claimed_until": None,
                    "updated_at": now,
                },
            )
            kind, to_state = EventKind.ESCALATED, state
        else:
            self.move(conn, request, ApprovalState.EXPIRED, now)
            kind, to_state = EventKind.TRANSITION, ApprovalState.EXPIRED
        _records.History(conn, request.id, now).add(kind, CHARTER_ACTOR, state, to_state, step.why)
        return self.reload(conn, request.id)


def well_formed(request_id: object) -> str:
    """Request ids are ASCII (`apr_` and hex): anything else names no request. A ticket
    from outside (a web form, argv) may hold a lone surrogate, which the database driver
    cannot even encode (it raised `UnicodeEncodeError`)."""
    if not isinstance(request_id, str) or not request_id.isascii():
        raise unknown(request_id)
    return request_id


def unknown(request_id: object) -> ApprovalError:
    return ApprovalError(  # `shown`: a ticket pasted from anywhere may hold anything
        f"no approval request {shown(request_id)}; list requests with `charter approvals list`"
    )
