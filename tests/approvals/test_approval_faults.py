"""Faults: the app dies while waiting; the database is locked or down. Each gives a clear
error and loses nothing."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from charter.approvals import ApprovalState, action_hash
from charter.approvals.queue import ApprovalQueue
from charter.errors import ConfigurationError, StoreError
from charter.store import connect
from tests.approvals.helpers import ACTION, directory, submit
from tests.support.postgres import PostgresServer, throwaway_postgres

ROOT = Path(__file__).resolve().parents[2]


def _worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.approvals.approval_workers", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_killed_while_waiting_the_request_survives_and_resumes_after_restart(
    store_url: str,
) -> None:
    app = _worker("submit-and-wait", store_url)
    assert app.stdout is not None
    ticket = app.stdout.readline().strip()
    assert ticket.startswith("apr_"), app.stderr.read() if app.stderr else ""
    app.send_signal(signal.SIGKILL)
    app.wait(timeout=30)
    assert app.returncode == -signal.SIGKILL

    with ApprovalQueue(store_url, directory=directory()) as queue:
        survivor = queue.get(ticket)
        assert survivor.state is ApprovalState.PENDING
        assert survivor.action_hash == action_hash(ACTION)
        queue.approve(ticket, "alice", "fine after the restart")

    restarted = _worker("wait-and-consume", store_url, ticket)
    out, err = restarted.communicate(timeout=60)
    assert restarted.returncode == 0, err
    assert out.split() == ["approved", "True"]
    with ApprovalQueue(store_url) as queue:
        used = queue.get(ticket)
    assert used.consumed_at is not None and used.history[-1].by == "restarted-app"


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    return str(tmp_path / "charter.db")


@pytest.fixture
def impatient_queue(sqlite_file: str) -> Iterator[ApprovalQueue]:
    """A SQLite queue that gives up on a lock after 0.2 s instead of 5 s."""
    engine = connect(f"sqlite:///{sqlite_file}", busy_timeout_ms=200)
    yield ApprovalQueue(engine, directory=directory())
    engine.dispose()


def _hold_write_lock(path: str) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_locked_sqlite_database_is_a_clear_error_and_loses_nothing(
    impatient_queue: ApprovalQueue, sqlite_file: str
) -> None:
    ticket = submit(impatient_queue, min_approvals=2).id
    impatient_queue.approve(ticket, "alice")
    holder = _hold_write_lock(sqlite_file)
    try:
        with pytest.raises(
            StoreError, match=r"database is locked.*another process.*Nothing was lost"
        ):
            impatient_queue.approve(ticket, "erin")
        with pytest.raises(StoreError, match="locked"):
            submit(impatient_queue)
        still = impatient_queue.get(ticket)  # readers are not blocked in WAL mode
        assert (still.state, still.approvals) == (ApprovalState.PENDING, 1)
    finally:
        holder.rollback()
        holder.close()
    assert len(impatient_queue.list()) == 1  # the failed submit left no half-written row
    assert impatient_queue.approve(ticket, "erin").state is ApprovalState.APPROVED


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own, since the test stops and restarts it."""
    yield from throwaway_postgres()


@pytest.mark.postgres
@pytest.mark.slow
def test_a_postgres_server_that_goes_down_is_a_clear_error_and_loses_nothing(
    own_postgres: PostgresServer,
) -> None:
    server = own_postgres
    url = server.create_database()
    with ApprovalQueue(url, directory=directory()) as queue:
        ticket = submit(queue, min_approvals=2).id
        queue.approve(ticket, "alice")
        server.stop()
        attempts: list[Callable[[], object]] = [
            lambda: queue.approve(ticket, "erin"),
            lambda: queue.get(ticket),
            lambda: submit(queue),
        ]
        for attempt in attempts:
            with pytest.raises(StoreError, match="check that the database is running"):
                attempt()
        server.start()
        back = queue.get(ticket)
        assert (back.state, back.approvals) == (ApprovalState.PENDING, 1)
        assert len(queue.list()) == 1
        assert queue.approve(ticket, "erin").state is ApprovalState.APPROVED


def test_an_unreachable_postgres_fails_at_startup_with_a_clear_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(
        StoreError, match=rf"127\.0\.0\.1:{port}.*check that the database is running"
    ):
        ApprovalQueue(f"postgresql://charter:secret@127.0.0.1:{port}/charter")


def test_store_errors_never_show_the_password() -> None:
    with pytest.raises(StoreError) as failed:
        ApprovalQueue("postgresql://charter:s3cret-pw@127.0.0.1:1/charter")
    assert "s3cret-pw" not in str(failed.value)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_sqlite_queue_is_refused_with_the_fix(url: str) -> None:
    """Each thread would get its own empty database: a request submitted on one thread was
    "no such table" on another (`wait_async` reads from a worker thread), reported as a
    database that might be down."""
    with pytest.raises(ConfigurationError, match=r"approval queue .*in-memory SQLite.*sqlite:///"):
        ApprovalQueue(url)


def test_an_in_memory_engine_shared_across_threads_serves_every_thread() -> None:
    """What the refusal suggests instead of a file: one connection for every thread."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    with ApprovalQueue(engine, directory=directory()) as queue:
        ticket = submit(queue).id
        seen: list[ApprovalState] = []
        reader = threading.Thread(target=lambda: seen.append(queue.get(ticket).state))
        reader.start()
        reader.join(30)
    assert seen == [ApprovalState.PENDING]
