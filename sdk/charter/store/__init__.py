"""Charter's store: SQLModel tables on SQLite (embedded default) or PostgreSQL.

`connect(url)` opens a database, `migrate(engine)` brings its schema up to date.
"""

from __future__ import annotations

from charter.store.db import check_store_url, connect, redacted_url, store_errors
from charter.store.migrate import current_revision, head_revision, migrate

__all__ = [
    "check_store_url",
    "connect",
    "current_revision",
    "head_revision",
    "migrate",
    "redacted_url",
    "store_errors",
]
