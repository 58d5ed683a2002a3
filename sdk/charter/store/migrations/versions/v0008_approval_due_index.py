"""An index for the sweep that expires overdue requests: (state, consumed_at, expires_at).

Since approved requests expire when unused, the sweep matches state pending or approved,
unused, past `expires_at`. On (state, expires_at) alone it walked every used approval
ever made (they keep state approved): 200,000 of them made each sweep ~12x slower.

Revision ID: 0008_approval_due_index
Revises: 0007_approval_use_by
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008_approval_due_index"
down_revision: str | Sequence[str] | None = "0007_approval_use_by"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_charter_approval_request_due",
        "charter_approval_request",
        ["state", "consumed_at", "expires_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_charter_approval_request_due", table_name="charter_approval_request")
