"""The hash-chained decision log and its chain-head row.

Revision ID: 0002_decision_log
Revises: 0001_approvals
Create Date: 2025-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from charter.store.types import UTCDateTime

revision: str = "0002_decision_log"
down_revision: str | Sequence[str] | None = "0001_approvals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64  # kept literal: a migration must not change when the code does


def upgrade() -> None:
    op.create_table(
        "charter_decision_log",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("input_json", sa.String(), nullable=False),
        sa.Column("result_json", sa.String(), nullable=False),
        sa.Column("policy_revision", sa.String(), nullable=False),
        sa.Column("trace_id", sa.String(), nullable=False),
        sa.Column("span_id", sa.String(), nullable=False),
        sa.Column("labels_json", sa.String(), nullable=False),
        sa.Column("metrics_json", sa.String(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    for column in ("decision_id", "timestamp", "hash"):
        op.create_index(f"ix_charter_decision_log_{column}", "charter_decision_log", [column])

    head = op.create_table(
        "charter_decision_log_head",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])


def downgrade() -> None:
    op.drop_table("charter_decision_log_head")
    op.drop_table("charter_decision_log")
