"""Found by probing: a Charter on a relative SQLite store (`sqlite:///data/c.db`, or the URI
form `sqlite:///file:data/c.db?uri=true`) opened it in each part against the working
directory of the moment that part was built. After an `os.chdir` the first held tool call
built the approval queue in the new directory: it made, migrated and wrote a second store
(with a second pseudonym key), so `charter approvals` in the app's folder never saw the
request. The Charter names the store by its absolute path once, when it is built."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

import charter as charter_pkg
from charter.approvals.queue import ApprovalQueue
from charter.config import DEFAULT_POLICIES, Settings
from charter.errors import ApprovalPending
from charter.guard import Charter
from charter.pseudonyms import KEY_FILE_SUFFIX
from charter.store.db import sqlite_file
from charter.testing import RecordingModel


def _count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as conn:
        (count,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(count)


@pytest.mark.parametrize(
    "store_url", ["sqlite:///data/c.db", "sqlite:///file:data/c.db?uri=true&cache=private"]
)
def test_a_relative_store_stays_one_store_after_chdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> None:
    first, second = tmp_path / "a b%1", tmp_path / "b"  # a space and a % for the URI form
    for folder in (first, second):
        (folder / "data").mkdir(parents=True)
    monkeypatch.chdir(first)
    settings = {"policies": str(DEFAULT_POLICIES), "telemetry": False, "audit_mode": "sync"}
    charter = Charter(Settings.build({**settings, "store_url": store_url}), pii_mode="pattern")
    answer = charter.guard(model="m", provider="openai")(RecordingModel("fine"))
    answer("hello")  # the decision log opens the store here

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return "refunded"

    monkeypatch.chdir(second)  # a worker step, a CLI helper
    with charter_pkg.context(user="zeynep.kaya77@example.org"), pytest.raises(ApprovalPending):
        issue_refund("A-17", 900.0)  # builds the approval queue: after the chdir
    charter.close()

    database = first / "data" / "c.db"
    assert _count(database, "charter_approval_request") == 1
    assert _count(database, "charter_decision_log") == 3  # input, output, the held call
    assert list(second.rglob("*")) == [second / "data"]  # no store, no key, no checkpoints
    assert (first / "data" / f"c.db{KEY_FILE_SUFFIX}").is_file()
    with ApprovalQueue(f"sqlite:///{database}") as queue:  # `charter approvals` in the folder
        assert len(list(queue.pending())) == 1
    assert sqlite_file(make_url(charter.settings.store_url)) == str(database)
