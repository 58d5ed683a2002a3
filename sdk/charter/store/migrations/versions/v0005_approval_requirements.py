"""Each holding rule's approval requirement, and which of them each vote counts toward.

Revision ID: 0005_approval_requirements
Revises: 0004_approval_keep_action
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_approval_requirements"
down_revision: str | Sequence[str] | None = "0004_approval_keep_action"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("charter_approval_request") as batch:
        batch.add_column(sa.Column("requirements", sa.JSON(), nullable=True))
    with op.batch_alter_table("charter_approval_vote") as batch:
        batch.add_column(sa.Column("counts_for", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("charter_approval_vote") as batch:
        batch.drop_column("counts_for")
    with op.batch_alter_table("charter_approval_request") as batch:
        batch.drop_column("requirements")
