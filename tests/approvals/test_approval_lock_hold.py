"""What a vote does while it holds the store's write lock.

Found by probing: of twelve `charter approvals approve` commands run at once on one SQLite
store, three failed with "database is locked". Each process's first vote built the
four-eyes check's table of Unicode look-alikes (0.2 to 1.3 s on a busy machine) inside
`BEGIN IMMEDIATE`, and the others' busy timeout ran out behind it. (Asking the policy who
may approve took no measurable time there.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import ItemsView
from pathlib import Path
from typing import Any

import pytest
from confusable_homoglyphs import confusables

from charter._unicode import confusable_prototypes
from charter.approvals import ApprovalQueue, ApprovalState
from tests.approvals.helpers import directory, submit


def _write_locked(database: Path) -> bool:
    """Whether another connection holds the write lock on `database` right now."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        probe.close()


def test_a_first_vote_builds_the_look_alike_table_before_taking_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "charter.db"
    under_lock: list[bool] = []

    class Observed(dict[str, Any]):
        """confusables.txt as the table is built from it: notes the lock at that moment."""

        def items(self) -> ItemsView[str, Any]:
            under_lock.append(_write_locked(database))
            return super().items()

    with ApprovalQueue(f"sqlite:///{database}", directory=directory()) as queue:
        ticket = submit(queue).id
        monkeypatch.setattr(confusables, "confusables_data", Observed(confusables.confusables_data))
        confusable_prototypes.cache_clear()  # as in a new process: its first vote
        try:
            approved = queue.approve(ticket, "alice", reason="ok")
        finally:
            confusable_prototypes.cache_clear()  # later tests build it from the real data
    assert approved.state is ApprovalState.APPROVED
    assert under_lock == [False]
