"""Approved, unused requests get their use-by deadline as `expires_at` again (as 0007 did).

Revision 0007 moved the rows present when it ran; a process of an older release still
running after it (a rolling deploy, before revision 0010 refused its writes) approved
with the decision deadline kept, so the sweep expired the approved request unused and the
reviewer's decision was lost (found by probing). `updated_at` is the approval time, and
an approval made since 0007 already holds its use-by time, so this changes only those.

Revision ID: 0011_approval_use_by_again
Revises: 0010_approval_writer_guard
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from charter.store.types import UTCDateTime

revision: str = "0011_approval_use_by_again"
down_revision: str | Sequence[str] | None = "0010_approval_writer_guard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REQUESTS = sa.table(
    "charter_approval_request",
    sa.column("id", sa.String()),
    sa.column("state", sa.String()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("expires_at", UTCDateTime()),
    sa.column("timeout_s", sa.Float()),
    sa.column("consumed_at", UTCDateTime()),
)
_LAST = datetime.max.replace(tzinfo=UTC)


def _use_by(expires_at: datetime, approved_at: datetime, timeout_s: float) -> datetime:
    try:
        return max(expires_at, approved_at + timedelta(seconds=timeout_s))
    except OverflowError:  # past year 9999: as late as a time can be
        return _LAST


def upgrade() -> None:
    conn = op.get_bind()
    t = _REQUESTS.c
    unused = sa.select(t.id, t.expires_at, t.updated_at, t.timeout_s).where(
        t.state == "approved", t.consumed_at.is_(None)
    )
    for row in conn.execute(unused).all():
        use_by = _use_by(row.expires_at, row.updated_at, row.timeout_s)
        if use_by > row.expires_at:
            conn.execute(sa.update(_REQUESTS).where(t.id == row.id).values(expires_at=use_by))


def downgrade() -> None:
    """Nothing to undo: older releases only show an approved request's `expires_at`."""
