"""A new SQLite file is switched to WAL by its first connections. SQLite refuses that switch
at once ("database is locked", no busy wait) while another connection is writing to it; two
app instances starting together hit exactly that. The switch must wait, not fail."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text

from charter.store.db import connect


def test_wal_switch_waits_for_a_writer_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    writer = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")  # a reserved lock, still in rollback-journal mode
    release = threading.Timer(0.3, lambda: writer.execute("ROLLBACK"))
    release.start()
    engine = connect(f"sqlite:///{path}")
    with engine.connect() as conn:
        mode = conn.execute(text("PRAGMA journal_mode")).scalar()
    release.join()
    writer.close()
    assert mode == "wal"
