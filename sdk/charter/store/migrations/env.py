"""Alembic environment for Charter's store.

`charter.store.migrate(engine)` passes an open connection in `config.attributes`; the
`alembic` command line (for writing new revisions) falls back to `sqlalchemy.url`.
Every table module is imported so `SQLModel.metadata` is complete for autogenerate.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlmodel import SQLModel

import charter.store.approval_tables
import charter.store.probe_tables
from charter.store.migrate import VERSION_TABLE

try:  # the decision log's tables, when that module is present
    import charter.store.decision_log  # noqa: F401
except ModuleNotFoundError as exc:
    if exc.name != "charter.store.decision_log":
        raise

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url in alembic.ini, or call charter.store.migrate()")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()


def run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
