"""Approval requests, votes and their event history.

Revision ID: 0001_approvals
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from charter.store.types import UTCDateTime

revision: str = "0001_approvals"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charter_approval_request",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("requester", sa.String(255), nullable=False),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("app", sa.String(255), nullable=False),
        sa.Column("rule", sa.String(255), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("approvers", sa.JSON(), nullable=False),
        sa.Column("min_approvals", sa.Integer(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=False),
        sa.Column("on_timeout", sa.String(16), nullable=False),
        sa.Column("escalate_to", sa.JSON(), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("action", sa.JSON(), nullable=False),
        sa.Column("action_hash", sa.String(64), nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("consumed_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(255), nullable=True),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
    )
    op.create_index(
        "ix_charter_approval_request_state_expires",
        "charter_approval_request",
        ["state", "expires_at"],
    )
    op.create_index(
        "ix_charter_approval_request_state_created",
        "charter_approval_request",
        ["state", "created_at"],
    )
    for column in ("tenant", "action_hash", "decision_id"):
        op.create_index(
            f"ix_charter_approval_request_{column}", "charter_approval_request", [column]
        )

    op.create_table(
        "charter_approval_vote",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.String(64),
            sa.ForeignKey("charter_approval_request.id"),
            nullable=False,
        ),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("request_id", "reviewer", name="uq_charter_approval_vote_reviewer"),
    )
    op.create_index("ix_charter_approval_vote_request_id", "charter_approval_vote", ["request_id"])
    op.create_index("ix_charter_approval_vote_reviewer", "charter_approval_vote", ["reviewer"])

    op.create_table(
        "charter_approval_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.String(64),
            sa.ForeignKey("charter_approval_request.id"),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=False),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
    )
    op.create_index(
        "ix_charter_approval_event_request_id", "charter_approval_event", ["request_id"]
    )


def downgrade() -> None:
    op.drop_table("charter_approval_event")
    op.drop_table("charter_approval_vote")
    op.drop_table("charter_approval_request")
