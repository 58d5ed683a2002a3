"""Probe runs and their per-item outcomes (`charter probe`).

Revision ID: 0003_probe_runs
Revises: 0002_decision_log
Create Date: 2026-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from charter.store.types import UTCDateTime

revision: str = "0003_probe_runs"
down_revision: str | Sequence[str] | None = "0002_decision_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charter_probe_run",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("model", sa.String(255), nullable=False),
        sa.Column("model_version", sa.String(255), nullable=False),
        sa.Column("probe_set", sa.String(64), nullable=False),
        sa.Column("embedder", sa.String(128), nullable=False),
        sa.Column("is_baseline", sa.Boolean(), nullable=False),
        sa.Column("baseline_run_id", sa.String(32), nullable=True),
        sa.Column("target_calls", sa.Integer(), nullable=False),
        sa.Column("metrics_json", sa.String(), nullable=False),
        sa.Column("suites_json", sa.String(), nullable=False),
        sa.Column("changes_json", sa.String(), nullable=False),
    )
    op.create_index(
        "ix_charter_probe_run_key", "charter_probe_run", ["target", "model", "started_at"]
    )
    op.create_table(
        "charter_probe_answer",
        sa.Column(
            "run_id",
            sa.String(32),
            sa.ForeignKey("charter_probe_run.run_id"),
            primary_key=True,
        ),
        sa.Column("item_id", sa.String(255), primary_key=True),
        sa.Column("suite", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("refused_by", sa.String(16), nullable=False),
        sa.Column("error", sa.String(255), nullable=True),
        sa.Column("answer_sha", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.Column("first_correct", sa.Boolean(), nullable=True),
        sa.Column("flipped", sa.Boolean(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("charter_probe_answer")
    op.drop_index("ix_charter_probe_run_key", table_name="charter_probe_run")
    op.drop_table("charter_probe_run")
