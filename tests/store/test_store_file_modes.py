"""Found by probing: under the usual umask (022) the default store was readable by every
local user (`.charter/` 0755, `charter.db`, `-wal` and `-shm` 0644), while a pending
approval keeps its redacted action there and a name detection missed stays in it. What
Charter creates is now its owner's only; a folder or file that was there keeps its modes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

import charter as charter_pkg
from charter.config import DEFAULT_POLICIES
from charter.errors import ApprovalPending
from charter.store import connect, migrate
from charter.testing import make_charter


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_new_store_and_its_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "app" / ".charter"
    store = f"sqlite:///{folder / 'charter.db'}"
    charter = make_charter(DEFAULT_POLICIES, tmp_path, store_url=store, audit_mode="sync")

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float, note: str = "") -> str:
        return "refunded"

    with charter_pkg.context(user="u-1"), pytest.raises(ApprovalPending):
        issue_refund("A-17", 900, note="for Quillon Abernathy-Prest")  # held, action kept
    files = sorted(folder.iterdir())
    modes = {p.name: _mode(p) for p in files}
    charter.close()
    assert _mode(folder) == 0o700
    assert {"charter.db", "charter.db-wal", "charter.db-shm"} <= set(modes), modes
    assert all(m == 0o600 for m in modes.values()), {n: oct(m) for n, m in modes.items()}


def test_a_folder_and_a_file_made_beforehand_keep_their_modes(tmp_path: Path) -> None:
    """A group that shares a store set its modes on purpose: Charter does not change them."""
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o750)
    db = folder / "charter.db"
    db.touch(mode=0o660)
    engine = connect(f"sqlite:///{db}")
    migrate(engine)
    engine.dispose()
    assert _mode(folder) == 0o750 and _mode(db) == 0o640  # 0660 under umask 022
