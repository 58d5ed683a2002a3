from __future__ import annotations

from collections.abc import Iterator

import pytest

from charter.approvals.queue import ApprovalQueue
from tests.approvals.helpers import ManualClock, directory
from tests.support.postgres import migrated_store_url, postgres_server, postgres_url

__all__ = ["clock", "migrated_store_url", "postgres_server", "postgres_url", "queue", "store_url"]


@pytest.fixture
def store_url(migrated_store_url: str) -> str:
    """Approval tests start from a migrated store; migrations are tested in tests/store."""
    return migrated_store_url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def queue(store_url: str, clock: ManualClock) -> Iterator[ApprovalQueue]:
    """A queue on each backend, reviewers from the test directory, time moved by hand."""
    with ApprovalQueue(store_url, directory=directory(), clock=clock) as queue:
        yield queue
