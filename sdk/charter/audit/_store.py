"""Opening the store for the decision log: a URL or an engine the caller already has."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Engine

from charter.errors import AuditError
from charter.store.db import connect, missing_sqlite_file, redacted_url
from charter.store.decision_log import log_exists


@contextlib.contextmanager
def opened(store: str | Engine) -> Iterator[Engine]:
    """An engine for `store`; one made here is disposed of afterwards."""
    if isinstance(store, Engine):
        yield store
        return
    engine = connect(store)
    try:
        yield engine
    finally:
        engine.dispose()


def existing_sqlite_file(store: str | Engine) -> None:
    """Reading commands must not create an empty SQLite file for a mistyped path."""
    if not isinstance(store, Engine) and missing_sqlite_file(store):
        raise AuditError(
            f"no decision log at {store}: the file does not exist; check --store (or "
            "store_url in charter.toml, or CHARTER_STORE_URL)"
        )


def require_log(engine: Engine) -> None:
    if not log_exists(engine):
        raise AuditError(
            f"no decision log in {redacted_url(engine)}: nothing was ever recorded there; "
            "check --store (or store_url in charter.toml, or CHARTER_STORE_URL)"
        )
