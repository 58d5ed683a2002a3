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
from sqlalchemy.engine import make_url

import charter as charter_pkg
from charter.audit.checkpoint import default_checkpoint_file
from charter.config import DEFAULT_POLICIES
from charter.errors import ApprovalPending
from charter.pseudonyms import KEY_FILE_SUFFIX, pseudonyms_for
from charter.store import connect, migrate
from charter.store.db import sqlite_file, store_identity
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


def test_a_store_given_as_a_sqlite_uri_is_keyed_private_and_checkpointed_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: `sqlite:///file:/path?uri=true` was read as a file named `file:/...`:
    no pseudonym key (user ids and withheld texts stored as plain SHA-256), the database
    left 0644, and the checkpoints written to a stray `./file:/...` folder."""
    work, folder = tmp_path / "work", tmp_path / "store"
    work.mkdir()
    folder.mkdir()
    monkeypatch.chdir(work)
    store = f"sqlite:///file:{folder / 'charter.db'}?uri=true"
    charter = make_charter(DEFAULT_POLICIES, tmp_path, store_url=store, audit_mode="sync")

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return "refunded"

    with charter_pkg.context(user="zeynep.kaya77@example.org"), pytest.raises(ApprovalPending):
        issue_refund("A-17", 900)
    charter.close()
    assert charter.pseudonyms.keyed
    assert charter.pseudonyms.file == Path(f"{folder / 'charter.db'}{KEY_FILE_SUFFIX}")
    modes = {p.name: _mode(p) for p in folder.iterdir()}
    assert {"charter.db", "charter.db.checkpoints.jsonl"} <= set(modes), modes
    assert all(m == 0o600 for m in modes.values()), {n: oct(m) for n, m in modes.items()}
    assert list(work.iterdir()) == []  # no `file:` folder
    assert store_identity(store) == f"sqlite:///{(folder / 'charter.db').resolve()}"


@pytest.mark.parametrize(
    ("url", "file"),
    [
        ("sqlite:////srv/c.db", "/srv/c.db"),
        ("sqlite:///file:/srv/c.db?uri=true", "/srv/c.db"),
        ("sqlite:///file:///srv/c.db?uri=true&mode=rwc", "/srv/c.db"),
        ("sqlite:///file://localhost/srv/c.db?uri=true", "/srv/c.db"),
        ("sqlite:///file:/srv/my%2520c.db?uri=1", "/srv/my c.db"),  # SQLite decodes %20
        ("sqlite:///file:c.db?uri=true", "c.db"),
        ("sqlite:///file:/srv/c.db", "file:/srv/c.db"),  # no uri=true: a file named so
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file::memory:?uri=true", None),
        ("sqlite:///file:shared?mode=memory&cache=shared&uri=true", None),
        ("postgresql://db/charter", None),
    ],
)
def test_the_file_a_sqlite_url_names(url: str, file: str | None) -> None:
    assert sqlite_file(make_url(url)) == file
    checkpoints = default_checkpoint_file(url)
    assert checkpoints == (Path(f"{file}.checkpoints.jsonl") if file else None)
    keyed = pseudonyms_for("", url).file is not None
    assert keyed is (file is not None)


def test_a_uri_store_opened_read_only_is_not_made(tmp_path: Path) -> None:
    """`mode=ro`/`mode=rw` open only an existing database: none is made in its place."""
    engine = connect(f"sqlite:///file:{tmp_path / 'missing.db'}?uri=true&mode=rw")
    engine.dispose()
    assert not (tmp_path / "missing.db").exists()


def test_every_connection_of_a_relative_uri_store_opens_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by probing: the driver opened a relative URI-form path against the working
    directory at each connection, so after `os.chdir` the pool's new connections made and
    used another file. `connect` makes the path absolute when it makes the engine."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    engine = connect("sqlite:///file:c.db?uri=true")
    migrate(engine)
    with engine.connect() as held:  # the pool's one connection, busy
        monkeypatch.chdir(second)
        with engine.connect() as new:  # opened after the chdir
            new.exec_driver_sql("CREATE TABLE made_after (x)")
            new.commit()
        held.exec_driver_sql("SELECT count(*) FROM made_after")  # the same file
    engine.dispose()
    assert sqlite_file(engine.url) == str(first / "c.db")
    assert list(second.iterdir()) == []
