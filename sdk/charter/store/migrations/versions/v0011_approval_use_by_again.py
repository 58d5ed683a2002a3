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

from charter.store.migrations.versions.v0007_approval_use_by import upgrade as _use_by_repair

revision: str = "0011_approval_use_by_again"
down_revision: str | Sequence[str] | None = "0010_approval_writer_guard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """0007's repair, run again: it changes only rows whose `expires_at` is still before
    their use-by time."""
    _use_by_repair()


def downgrade() -> None:
    """Nothing to undo: older releases only show an approved request's `expires_at`."""
