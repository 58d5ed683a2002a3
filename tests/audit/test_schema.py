"""The Alembic revision and the SQLModel tables describe the same decision-log schema."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData, delete, select

from charter.audit import AuditLog, verify
from charter.decision import Action, Decision
from charter.store.decision_log import GENESIS_HASH, HEAD, HEAD_ID, LOG
from charter.store.migrate import current_revision, head_revision


def test_migration_matches_the_tables(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()  # the log came with 0002_decision_log
    ours = MetaData()
    LOG.to_metadata(ours)
    HEAD.to_metadata(ours)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _decision_log_only}
        )
        assert compare_metadata(context, ours) == []


def _decision_log_only(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    """Other tables in the database are not ours to compare."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is not None and str(table.name).startswith("charter_decision_log")


def test_migration_seeds_the_chain_head(engine: Engine) -> None:
    with engine.connect() as conn:
        row = conn.execute(select(HEAD)).mappings().one()
    assert (row["id"], row["seq"], row["hash"]) == (HEAD_ID, 0, GENESIS_HASH)


def test_appending_recreates_a_missing_chain_head(engine: Engine) -> None:
    """A database made without the migration's seed row still gets one unbroken chain."""
    with engine.begin() as conn:
        conn.execute(delete(HEAD))
    with AuditLog(engine) as log:
        for i in range(3):
            log.record(Decision(action=Action.ALLOW), {"i": i})
    with engine.connect() as conn:
        row = conn.execute(select(HEAD)).mappings().one()
    result = verify(engine)
    assert result.ok and result.checked == 3
    assert (row["id"], row["seq"]) == (HEAD_ID, 3) and row["hash"] != GENESIS_HASH
