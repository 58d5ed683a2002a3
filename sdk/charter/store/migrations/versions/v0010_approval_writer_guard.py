"""The database refuses approval writes from a release older than this schema's rules.

Revisions 0005, 0006 and 0009 only added nullable columns, so a process of an older
release still running after a newer one migrated the store (a rolling deploy) kept writing
under its own rules (found by probing: it counted a requester's vote on their own request,
filed under a keyed pseudonym it cannot compare, and its worker ran the action; its
approvals kept the decision deadline, so the sweep expired them unused). Now every
history row carries its writer's rules (`charter_approval_event.writer_rules`, see
`charter.store.approval_tables.WRITER_RULES`) and a trigger refuses one without them:
every write of a request adds a history row in its transaction, so the whole write fails.
A vote row without the approvers it was cast under (which this release always writes) is
refused as well, where the harm is. Older rows are left as they are.

SQLite drops a table's triggers with the table: a later revision that rebuilds one of
these tables (`batch_alter_table` beyond adding a column) must create them again
(`tests/store/test_store_migrations.py` checks that they hold at head).

Revision ID: 0010_approval_writer_guard
Revises: 0009_approval_vote_approvers
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_approval_writer_guard"
down_revision: str | Sequence[str] | None = "0009_approval_vote_approvers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULES = 10  # kept literal: a migration must not change when the code does
REFUSAL = (  # an SQL string literal: no quotes in it
    "this Charter release is older than the schema of the store (revision 0010) and may "
    "not write approvals; stop every process of the older release (a newer one migrated "
    "the store) and run the newer release"
)
# (trigger, table, condition on NEW)
GUARDS = (
    (
        "charter_approval_event_writer",
        "charter_approval_event",
        f"NEW.writer_rules IS NULL OR NEW.writer_rules < {RULES}",
    ),
    ("charter_approval_vote_writer", "charter_approval_vote", "NEW.approvers IS NULL"),
)
_PG_FUNCTION = "charter_refuse_older_writer"


def upgrade() -> None:
    with op.batch_alter_table("charter_approval_event") as batch:
        batch.add_column(sa.Column("writer_rules", sa.Integer(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            f"CREATE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = '{REFUSAL}'; "
            "END $$"
        )
    for name, table, condition in GUARDS:
        if postgres:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN ({condition}) EXECUTE FUNCTION {_PG_FUNCTION}()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN {condition} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, _ in GUARDS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")
    with op.batch_alter_table("charter_approval_event") as batch:
        batch.drop_column("writer_rules")
