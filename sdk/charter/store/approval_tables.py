"""SQLModel tables for approval requests, the votes on them and their event history.

The schema is owned by Alembic (`store/migrations`); these classes describe it for
queries and for `alembic revision --autogenerate`. Every state change, vote, escalation,
use and refusal is a row in `charter_approval_event`, so the history is auditable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Index, Integer, Table, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from charter.store.types import UTCDateTime, ValidText

WRITER_RULES = 10
"""The approval rules this release writes under (the store revision that set them): every
history row it writes carries it, and the database refuses a row without it, or with a
lower number (revision 0010's triggers). Every write of a request (queued, voted on, used,
expired, claimed, cancelled) adds a history row in the same transaction, so a process of
an older release still running after a newer one migrated the store cannot change it
under its older rules (found by probing: one counted a requester's vote on their own
request, its worker ran the action). Raise it, and the triggers' bound in a migration,
when a release changes what a write must check."""


class ApprovalRequestRow(SQLModel, table=True):
    __tablename__ = "charter_approval_request"
    __table_args__ = (
        Index("ix_charter_approval_request_state_expires", "state", "expires_at"),
        Index("ix_charter_approval_request_state_created", "state", "created_at"),
        # The sweep's (`approval_repo.due_requests`): used approvals keep state approved,
        # and without consumed_at in the key every sweep walked all of them ever made.
        Index("ix_charter_approval_request_due", "state", "consumed_at", "expires_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    state: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    requester: str = Field(sa_type=ValidText(255))
    tenant: str = Field(sa_type=ValidText(255), index=True)
    app: str = Field(sa_type=ValidText(255))
    rule: str = Field(sa_type=ValidText(255))
    reason: str = Field(sa_type=ValidText)
    approvers: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    min_approvals: int
    timeout_s: float
    on_timeout: str = Field(max_length=16)
    escalate_to: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    escalations: int = 0
    requirements: list[Any] | None = Field(default=None, sa_column=Column(JSON))
    """Each holding rule's approvers and count when several rules hold the action."""
    action: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    keep_action: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    """False (the default): `action` is replaced by its digest once the request is settled
    (`charter.approvals.models.action_digest`); True when the app opted in to
    `store_content`."""
    action_hash: str = Field(max_length=64, index=True)
    pending_key: str | None = Field(default=None, max_length=64, index=True)
    """An unkeyed request's hash of tenant, app, requester, conversation and action: while
    it is pending, the same action submitted again finds it (`ApprovalQueue.submit`,
    `reuse_in`); None for a keyed request or one submitted without `reuse_in`."""
    decision_id: str = Field(max_length=64, index=True)
    consumed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, sa_type=ValidText(255))
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApprovalVoteRow(SQLModel, table=True):
    """One reviewer's vote; the unique constraint backs "one vote per reviewer"."""

    __tablename__ = "charter_approval_vote"
    __table_args__ = (
        UniqueConstraint("request_id", "reviewer", name="uq_charter_approval_vote_reviewer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="charter_approval_request.id", index=True, max_length=64)
    reviewer: str = Field(sa_type=ValidText(255), index=True)
    verdict: str = Field(max_length=16)
    reason: str = Field(sa_type=ValidText)
    at: datetime = Field(sa_type=UTCDateTime)
    counts_for: list[Any] | None = Field(default=None, sa_column=Column(JSON))
    """The request's requirements (by index) the vote counts toward."""
    approvers: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    """The request's approvers when the vote was cast: an escalation replaces the
    request's, and a use re-checks the vote against these. None on older rows."""


class ApprovalEventRow(SQLModel, table=True):
    """Who did what to a request, when and why: transitions, votes and refusals."""

    __tablename__ = "charter_approval_event"

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="charter_approval_request.id", index=True, max_length=64)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(sa_type=ValidText(255))
    kind: str = Field(max_length=16)
    from_state: str = Field(max_length=16)
    to_state: str = Field(max_length=16)
    reason: str = Field(sa_type=ValidText)
    writer_rules: int | None = Field(
        default=None, sa_column=Column(Integer, nullable=True, default=WRITER_RULES)
    )
    """`WRITER_RULES` of the release that wrote the row, filled in on insert; None on rows
    written before revision 0010."""


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


REQUESTS = _table(ApprovalRequestRow)
VOTES = _table(ApprovalVoteRow)
EVENTS = _table(ApprovalEventRow)
