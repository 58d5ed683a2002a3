"""Requesters and history actors stored raw by releases before pseudonyms get them now.

Since c06fc93 a requester id that looks like personal data (an e-mail address, a name, a
national id) is stored as a pseudonym (`charter.approvals._identity.requester_id`), as is
anyone else the history names who was not acting as a reviewer: who asked, used, cancelled,
or was refused (refusals quote the id: the message is rewritten too). Rows written before
kept the raw id, shown by `charter approvals show` (found by probing an upgrade). They get
the unkeyed pseudonym: the key is not known here (`vault_key` is the app's setting), and
the queue accepts an unkeyed one under any key, so the same user still resumes the request
and the four-eyes rule still refuses them on it. Reviewers' ids (votes, claims) are the
directory's and stay, as they do in rows written now.

The function is imported, not copied: a stored pseudonym must be what it computes when the
user comes back, whatever release that is.

Revision ID: 0012_approval_requester_hashes
Revises: 0011_approval_use_by_again
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_approval_requester_hashes"
down_revision: str | Sequence[str] | None = "0011_approval_use_by_again"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REQUESTS = sa.table("charter_approval_request", sa.column("requester", sa.String()))
_EVENTS = sa.table(
    "charter_approval_event",
    sa.column("id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("reason", sa.String()),
)
_NOT_REVIEWERS = ("created", "consumed", "transition")  # refused: rewritten with its message


def upgrade() -> None:
    from charter.approvals._identity import requester_id, stored_actor

    conn = op.get_bind()
    requester, actor = _REQUESTS.c.requester, _EVENTS.c.actor
    for (raw,) in conn.execute(sa.select(requester).distinct()).all():
        if (hashed := requester_id(raw)) != raw:
            conn.execute(sa.update(_REQUESTS).where(requester == raw).values(requester=hashed))
    kinds = _EVENTS.c.kind.in_(_NOT_REVIEWERS)
    for (raw,) in conn.execute(sa.select(actor).where(kinds).distinct()).all():
        if (hashed := requester_id(raw)) != raw:
            conn.execute(sa.update(_EVENTS).where(kinds, actor == raw).values(actor=hashed))
    refused = _EVENTS.c.kind == "refused"
    for (raw,) in conn.execute(sa.select(actor).where(refused).distinct()).all():
        if requester_id(raw) == raw:
            continue
        rows = sa.select(_EVENTS.c.id, _EVENTS.c.reason).where(refused, actor == raw)
        for row in conn.execute(rows).all():
            hashed, why = stored_actor(raw, row.reason)
            update = sa.update(_EVENTS).where(_EVENTS.c.id == row.id)
            conn.execute(update.values(actor=hashed, reason=why))


def downgrade() -> None:
    """Nothing to undo: a pseudonym does not give the id back."""
