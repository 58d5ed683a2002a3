"""What an unkeyed approval request is found by while it is pending: a retried identical
action reuses it instead of queueing another (`ApprovalQueue.submit`).

Revision ID: 0006_approval_pending_key
Revises: 0005_approval_requirements
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_approval_pending_key"
down_revision: str | Sequence[str] | None = "0005_approval_requirements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_charter_approval_request_pending_key"


def upgrade() -> None:
    with op.batch_alter_table("charter_approval_request") as batch:
        batch.add_column(sa.Column("pending_key", sa.String(64), nullable=True))
    op.create_index(_INDEX, "charter_approval_request", ["pending_key"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="charter_approval_request")
    with op.batch_alter_table("charter_approval_request") as batch:
        batch.drop_column("pending_key")
