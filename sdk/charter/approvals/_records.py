"""Between database rows and `ApprovalRequest` values (one place for the mapping)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping

from charter.approvals._identity import stored_actor
from charter.approvals.models import ApprovalRequest, ApprovalState, EventKind, HistoryEntry, Vote
from charter.pseudonyms import UNKEYED, Pseudonyms
from charter.store import approval_repo as repo


def event(
    request_id: str,
    *,
    kind: EventKind,
    by: str,
    at: datetime,
    from_state: ApprovalState | None,
    to_state: ApprovalState,
    why: str,
) -> dict[str, Any]:
    """A history row; states are enum values in code and their text in the table."""
    return {
        "request_id": request_id,
        "kind": kind.value,
        "actor": by,
        "at": at,
        "from_state": from_state.value if from_state is not None else "",
        "to_state": to_state.value,
        "reason": why,
    }


@dataclass(frozen=True)
class History:
    """Writes history rows for one request inside the caller's transaction."""

    conn: Connection
    request_id: str
    at: datetime
    pseudonyms: Pseudonyms = UNKEYED

    def add(
        self,
        kind: EventKind,
        by: str,
        from_state: ApprovalState | None,
        to_state: ApprovalState,
        why: str,
    ) -> None:
        repo.add_events(
            self.conn,
            [
                event(
                    self.request_id,
                    kind=kind,
                    by=by,
                    at=self.at,
                    from_state=from_state,
                    to_state=to_state,
                    why=why,
                )
            ],
        )

    def refused(self, by: str, state: ApprovalState, why: str) -> None:
        """A refused attempt: recorded, state unchanged; an id that looks like personal
        data as its pseudonym, in the message too (anyone may be refused)."""
        actor, why = stored_actor(by, why, self.pseudonyms) if by else ("?", why)
        self.add(EventKind.REFUSED, actor, state, state, why)


def request_from_rows(
    row: Mapping[Any, Any],
    votes: Sequence[Mapping[Any, Any]],
    events: Sequence[Mapping[Any, Any]],
) -> ApprovalRequest:
    values = {k: row[k] for k in ApprovalRequest.model_fields if k in row}
    values["votes"] = tuple(
        Vote(
            reviewer=v["reviewer"],
            verdict=v["verdict"],
            reason=v["reason"],
            at=v["at"],
            counts_for=v.get("counts_for") or (),
            approvers=v.get("approvers"),
        )
        for v in votes
    )
    values["history"] = tuple(
        HistoryEntry(
            kind=EventKind(e["kind"]),
            by=e["actor"],
            at=e["at"],
            from_state=ApprovalState(e["from_state"]) if e["from_state"] else None,
            to_state=ApprovalState(e["to_state"]),
            why=e["reason"],
        )
        for e in events
    )
    return ApprovalRequest.model_validate(values)


def load(
    conn: Connection, rows: Sequence[RowMapping], *, history: bool = True
) -> list[ApprovalRequest]:
    """Requests with their votes (and history), in a fixed number of queries whatever the
    count. `history=False` skips the history for checks that do not need it."""
    ids = [r["id"] for r in rows]
    votes = repo.votes_of(conn, ids)
    events = repo.events_of(conn, ids) if history else {}
    return [request_from_rows(r, votes.get(r["id"], []), events.get(r["id"], [])) for r in rows]


def load_one(conn: Connection, request_id: str) -> ApprovalRequest | None:
    row = repo.get_request(conn, request_id)
    return load(conn, [row])[0] if row is not None else None
