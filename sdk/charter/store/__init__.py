"""Charter's store: SQLModel tables on SQLite (embedded default) or PostgreSQL.

`make_engine(url)` opens a database, `migrate(engine)` brings its schema up to date.
"""

from __future__ import annotations

from charter.store.db import make_engine, redacted_url, store_errors
from charter.store.migrate import current_revision, head_revision, migrate

__all__ = [
    "current_revision",
    "head_revision",
    "make_engine",
    "migrate",
    "redacted_url",
    "store_errors",
]
