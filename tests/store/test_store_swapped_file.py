"""Found by probing: a SQLite store file removed (`rm`) or replaced (`os.replace`, a backup
restored) while a Charter ran kept its pooled connections on the old file: records, even in
sync mode, were "written" to an unlinked file and lost without an error, while a queue
built later used the file now at the path. A checkout now notices the change, empties the
pool and fails as unavailable; the next connection opens the file at the path."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from charter.audit import AuditLog, iter_records
from charter.decision import Action, Decision
from charter.errors import AuditError, StoreError
from charter.store import connect, migrate
from charter.store.transactions import read_transaction


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _replace_with_a_new_store(db: Path, tmp_path: Path) -> None:
    other = tmp_path / "restored" / "charter.db"
    AuditLog(f"sqlite:///{other}", mode="sync").close()
    for suffix in ("-wal", "-shm"):  # they belong to the old file
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.replace(other, db)


def test_a_sync_record_fails_once_its_store_file_is_removed(tmp_path: Path) -> None:
    db = tmp_path / "charter.db"
    log = AuditLog(f"sqlite:///{db}", mode="sync", write_timeout=0.3)
    try:
        log.record(Decision(action=Action.ALLOW), {"i": 1})
        _remove(db)
        with pytest.raises(AuditError):  # was: "written" to the unlinked file
            log.record(Decision(action=Action.ALLOW), {"i": 2})
    finally:
        log.close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600  # made again as Charter makes it


def test_records_after_a_replacement_go_to_the_file_now_at_the_path(tmp_path: Path) -> None:
    db = tmp_path / "charter.db"
    url = f"sqlite:///{db}"
    log = AuditLog(url, mode="sync", write_timeout=5)
    try:
        log.record(Decision(action=Action.ALLOW), {"i": 1})
        _replace_with_a_new_store(db, tmp_path)
        log.record(Decision(action=Action.ALLOW), {"i": 2})
        last_error = log.stats.last_error
    finally:
        log.close()
    assert [r.input["i"] for r in iter_records(url)] == [2]
    assert last_error is not None and "was replaced by another file" in last_error


def test_a_read_after_a_replacement_is_unavailable_once(tmp_path: Path) -> None:
    """Every checkout is checked, reads too (an approval's state), not only the log's."""
    db = tmp_path / "charter.db"
    engine = connect(f"sqlite:///{db}")
    migrate(engine)
    try:
        with read_transaction(engine, "reading") as conn:
            conn.execute(text("SELECT 1"))
        _replace_with_a_new_store(db, tmp_path)
        with pytest.raises(StoreError) as caught, read_transaction(engine, "reading"):
            pass
        with read_transaction(engine, "reading") as conn:  # the pool reopened the path
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert caught.value.unavailable
    assert "replaced by another file while it was open" in str(caught.value)
