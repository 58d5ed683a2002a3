"""Stores for the decision-log tests: each test gets a fresh SQLite file and (marked
`postgres`) a fresh database on the suite's throwaway PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from charter.store import connect, migrate
from tests.support.postgres import postgres_server, store_url

__all__ = ["engine", "postgres_server", "sqlite_url", "store_url"]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'charter.db'}"


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = connect(store_url)
    migrate(engine)
    yield engine
    engine.dispose()
