"""Each vote keeps the approvers it was cast under (`charter_approval_vote.approvers`).

Using an approval re-checks every vote against the using app's policy, asked of the
request as it was when the vote was cast. An escalation replaces the request's approvers,
so a vote cast before it was re-checked with its reviewer's own roles and id added, and a
vote app B's operator cast for a reviewer only B trusts counted for app A. Older votes
keep a null here and that allowance.

Revision ID: 0009_approval_vote_approvers
Revises: 0008_approval_due_index
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_approval_vote_approvers"
down_revision: str | Sequence[str] | None = "0008_approval_due_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("charter_approval_vote") as batch:
        batch.add_column(sa.Column("approvers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("charter_approval_vote") as batch:
        batch.drop_column("approvers")
