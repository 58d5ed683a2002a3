"""Schema migrations: `migrate(engine)` brings the store to the newest Alembic revision.

No alembic.ini is needed: the script location is inside the package. Many processes may
start at once, so the upgrade runs under a lock (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a
transaction-scoped advisory lock) and re-checks the version once it holds it. Within one
process, upgrades run one at a time, whatever the database: Alembic's `op` and `context`
are process-wide proxies, and two stores migrated at once from two threads wrote through
each other's (found by probing: "table already exists" and a bare `KeyError`). That
process lock is taken after the database's own, so an upgrade waiting for its database
(another process migrating it) does not hold up other stores' (found by review).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

from charter.errors import StoreError
from charter.store.db import store_errors
from charter.store.transactions import write_transaction

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "charter_alembic_version"
_PG_LOCK_KEY = 0x43686172746572  # "Charter": one advisory lock id for schema upgrades
_UPGRADING = threading.Lock()  # Alembic's proxies are process-wide; after the db's lock


def alembic_config() -> Config:
    """A programmatic Alembic config (for `alembic.command` calls, e.g. new revisions)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@functools.cache
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise StoreError(
            f"the store migrations have {len(heads)} heads ({', '.join(sorted(heads))}); "
            "each new revision must set down_revision to the previous head"
        )
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with store_errors(engine, "reading the store schema version"), engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (default: newest). Safe to call from every process."""
    from alembic import command
    from alembic.util.exc import CommandError

    target = head_revision() if revision == "head" else revision
    if current_revision(engine) == target:
        return
    config = alembic_config()
    with write_transaction(engine, "migrating the store schema") as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        config.attributes["connection"] = conn
        try:
            with _UPGRADING:
                command.upgrade(config, revision)
        except CommandError as exc:
            raise StoreError(
                f"cannot migrate the store to {revision}: {exc}. If the database was "
                "migrated by a newer Charter, upgrade Charter instead."
            ) from None
        except (LookupError, AttributeError, NameError) as exc:  # Alembic's proxies
            raise StoreError(
                f"cannot migrate the store to {revision}: Alembic failed "
                f"({type(exc).__name__}: {exc}); nothing was changed."
            ) from exc
