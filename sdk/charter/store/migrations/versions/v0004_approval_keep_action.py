"""Whether an approval request keeps its action once it is settled.

Revision ID: 0004_approval_keep_action
Revises: 0003_probe_runs
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_approval_keep_action"
down_revision: str | Sequence[str] | None = "0003_probe_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("charter_approval_request") as batch:
        batch.add_column(
            sa.Column("keep_action", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("charter_approval_request") as batch:
        batch.drop_column("keep_action")
