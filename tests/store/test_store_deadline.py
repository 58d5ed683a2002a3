"""A PostgreSQL server that stops answering fails guarded calls instead of holding them.

Found by probing: with the server frozen (SIGSTOP: its kernel still acknowledges packets, as
for a stuck process or VM), a sync-audit call and an approval submission each waited 60 s,
as long as the freeze lasted, in the pool's pre-ping on a connection they already had
(libpq has no read timeout). Each now fails within its bound (`write_timeout`,
`answer_timeout_s`) while the server is still frozen, and works again once it answers.

The frozen server is one this module starts for itself: only its own processes are
stopped, never the shared test server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from sqlalchemy import text

from charter.approvals.queue import ApprovalQueue
from charter.audit import AuditLog, iter_records
from charter.decision import Action, Decision
from charter.errors import AuditError, StoreError
from charter.store import connect, migrate
from charter.store.deadline import bounded
from charter.store.transactions import read_transaction
from tests.approvals.helpers import submit
from tests.support.postgres import PostgresServer, throwaway_postgres

pytestmark = pytest.mark.postgres

_GIVE_UP_S = 60.0
"""How long the test waits for a call before it calls the call hung (it fails then)."""


@pytest.fixture(scope="module")
def own_server() -> Iterator[PostgresServer]:
    yield from throwaway_postgres()


@pytest.fixture
def own_url(own_server: PostgresServer) -> str:
    url = own_server.create_database()
    engine = connect(url)
    migrate(engine)
    engine.dispose()
    return url


@contextmanager
def frozen(server: PostgresServer) -> Iterator[None]:
    """The server's postmaster and its children stopped for the block, then resumed."""
    master = int((server.data_dir / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
    ).stdout.split()
    pids = [master, *map(int, children)]
    for pid in pids:
        with suppress(ProcessLookupError):  # a child that just ended
            os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def outcome_while_frozen(server: PostgresServer, call: Callable[[], Any]) -> BaseException:
    """What `call` raised, having ended while the server was still frozen."""
    outcome: list[BaseException | str] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append("returned")

    worker = threading.Thread(target=run)
    with frozen(server):
        worker.start()
        worker.join(_GIVE_UP_S)
        hung = worker.is_alive()
    worker.join()
    assert not hung, f"the call waited for the frozen server; then: {outcome}"
    (result,) = outcome
    assert isinstance(result, BaseException), result
    return result


def test_a_sync_audit_call_fails_at_its_write_timeout(
    own_server: PostgresServer, own_url: str
) -> None:
    log = AuditLog(own_url, mode="sync", write_timeout=0.5, checkpoint_file=None)
    try:
        log.record(Decision(action=Action.ALLOW), {"i": 1})  # a pooled connection to ping
        error = outcome_while_frozen(
            own_server, lambda: log.record(Decision(action=Action.ALLOW), {"i": 2})
        )
        assert isinstance(error, AuditError), repr(error)
        assert "write_timeout is 0.5s" in str(error)
        assert "the database did not answer within 0.5s" in str(error)
        log.record(Decision(action=Action.ALLOW), {"i": 3})  # the server answers again
    finally:
        log.close()
    assert [r.input["i"] for r in iter_records(own_url)] == [1, 3]


def test_an_approval_submission_fails_at_its_answer_timeout(
    own_server: PostgresServer, own_url: str
) -> None:
    with ApprovalQueue(own_url, answer_timeout_s=0.5) as queue:
        first = submit(queue).id
        error = outcome_while_frozen(own_server, lambda: submit(queue))
        assert isinstance(error, StoreError), repr(error)
        assert str(error).startswith("queueing an approval request failed on postgresql")
        assert "the database did not answer within 0.5s" in str(error)
        assert [r.id for r in queue.list()] == [first]  # nothing half-written
        submit(queue)  # the server answers again


def test_a_bound_cuts_a_query_the_server_is_slow_to_answer(postgres_url: str) -> None:
    engine = connect(postgres_url)
    try:
        with (
            pytest.raises(StoreError, match=r"did not answer within 0\.2s"),
            bounded(0.2),
            read_transaction(engine, "sleeping") as conn,
        ):
            conn.execute(text("SELECT pg_sleep(10)"))
        with read_transaction(engine, "asking again") as conn:  # the cut connection is gone
            assert conn.execute(text("SELECT 1")).scalar() == 1
        with bounded(5.0), read_transaction(engine, "a quick answer") as conn:
            assert conn.execute(text("SELECT 2")).scalar() == 2
    finally:
        engine.dispose()
