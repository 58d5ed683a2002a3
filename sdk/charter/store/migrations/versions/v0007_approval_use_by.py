"""Approved, unused requests get their use-by deadline as `expires_at`.

Since this release an approved request's `expires_at` is the time until which it can be
used: the later of its decision deadline and `timeout_s` after the approval
(`charter.approvals.lifecycle.use_deadline`). Rows approved by an older release still hold
the decision deadline, so the first sweep after the upgrade expired an approval given
seconds before it and dropped its action. `updated_at` is the approval time: nothing else
writes an approved row until it is used (which sets `consumed_at`).

Revision ID: 0007_approval_use_by
Revises: 0006_approval_pending_key
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from charter.store.types import UTCDateTime

revision: str = "0007_approval_use_by"
down_revision: str | Sequence[str] | None = "0006_approval_pending_key"
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
