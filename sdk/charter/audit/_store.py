"""Opening the store for the decision log: a URL or an engine the caller already has."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from charter.errors import AuditError
from charter.store.db import connect, redacted_url, sqlite_file
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
    if isinstance(store, Engine):
        return
    file = sqlite_file(make_url(store)) if "://" in store else None
    if file and not Path(file).exists():
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
