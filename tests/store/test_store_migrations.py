"""Alembic migrations on both backends: create, idempotent, match the models, reversible,
and safe when several processes start at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from charter.approvals import ApprovalState, ReviewerDirectory, action_hash
from charter.approvals._identity import requested_by, requester_id
from charter.approvals.queue import ApprovalQueue
from charter.errors import NotAuthorized, StoreError
from charter.store import connect, current_revision, head_revision, migrate
from charter.store.approval_tables import EVENTS, REQUESTS, VOTES
from charter.store.migrate import VERSION_TABLE, alembic_config
from tests.approvals.helpers import ACTION, REVIEWERS, ManualClock, directory, submit

APPROVAL_TABLES = {REQUESTS.name, VOTES.name, EVENTS.name}


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = connect(store_url)
    yield engine
    engine.dispose()


def test_migrate_creates_the_approval_tables_at_head(engine: Engine) -> None:
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) >= APPROVAL_TABLES


def test_migrate_twice_is_a_no_op(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    assert [r[0] for r in rows] == [head_revision()]


def test_first_revision_id_is_stable_for_later_revisions_to_build_on(engine: Engine) -> None:
    migrate(engine, "0001_approvals")
    assert current_revision(engine) == "0001_approvals"
    assert set(inspect(engine).get_table_names()) >= APPROVAL_TABLES


def test_migrated_schema_matches_the_sqlmodel_tables(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        diffs = compare_metadata(context, SQLModel.metadata)
    ours = [d for d in _flatten(diffs) if _table_of(d) in APPROVAL_TABLES]
    assert ours == []


def test_downgrade_to_base_and_back_up(engine: Engine) -> None:
    migrate(engine)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert not APPROVAL_TABLES & set(inspect(engine).get_table_names())
    migrate(engine)
    assert current_revision(engine) == head_revision()


def test_a_database_from_a_newer_charter_is_a_clear_error(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999_future'"))
    with pytest.raises(StoreError, match="upgrade Charter"):
        migrate(engine)


def test_an_approval_given_before_the_use_by_release_stays_usable_after_upgrading(
    engine: Engine,
) -> None:
    """Found by review: an approved request's `expires_at` became its use-by time (the
    later of its deadline and `timeout_s` after the approval), but rows approved by the
    older release still held the decision deadline, so an approval given 10 s before it
    was expired by the first sweep after the upgrade and its action dropped. Revision
    0007 moves such rows to their use-by time; used and pending rows are left alone."""
    clock = ManualClock()
    queue = ApprovalQueue(engine, directory=directory(), clock=clock)
    late, used, pending = (submit(queue, timeout_s=600).id for _ in range(3))
    clock.advance(590)
    for ticket in (late, used):
        queue.approve(ticket, "alice")
    queue.consume(used, action_hash(ACTION))
    deadline = clock.now + timedelta(seconds=10)
    config = alembic_config()
    with engine.begin() as conn:  # the older release's rows: schema and expires_at
        config.attributes["connection"] = conn
        command.downgrade(config, "0006_approval_pending_key")
        conn.execute(update(REQUESTS).values(expires_at=deadline))
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(REQUESTS.c.id, REQUESTS.c.expires_at)).all()
    expires = dict(rows)
    assert expires == {late: clock.now + timedelta(seconds=600), used: deadline, pending: deadline}
    clock.advance(30)
    assert queue.expire_due() == [queue.get(pending)]
    assert queue.get(pending).state is ApprovalState.EXPIRED
    assert queue.consume(late, action_hash(ACTION)).consumed_at == clock.now


def test_an_approval_an_older_process_gave_after_0007_stays_usable_after_upgrading(
    engine: Engine,
) -> None:
    """Found by probing a rolling deploy: a process of an older release, still running
    after the store was migrated past 0007 (before 0010 refused its writes), approved
    keeping the decision deadline as `expires_at`, so the sweep expired the approval
    unused and the reviewer's decision was lost. Revision 0011 moves such rows to their
    use-by time (`timeout_s` after the approval) as 0007 did."""
    clock = ManualClock()
    queue = ApprovalQueue(engine, directory=directory(), clock=clock)
    ticket = submit(queue, timeout_s=600).id
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0009_approval_vote_approvers")
    clock.advance(590)
    with engine.begin() as conn:  # the older process approves, its shape of rows
        vote = {"request_id": ticket, "reviewer": "bob", "verdict": "approve", "reason": ""}
        conn.execute(insert(VOTES), [{**vote, "at": clock.now}])
        conn.execute(update(REQUESTS).values(state="approved", updated_at=clock.now))
    migrate(engine)
    clock.advance(30)  # past the decision deadline, 570 s before the use-by time
    assert queue.expire_due() == []
    assert queue.consume(ticket, action_hash(ACTION)).consumed_at == clock.now


def test_raw_requesters_and_actors_of_older_releases_become_pseudonyms(
    engine: Engine,
) -> None:
    """Found by probing an upgrade: requesters and history actors that look like personal
    data were stored raw before pseudonyms (c06fc93) and stayed so, shown by `charter
    approvals show`. Revision 0012 stores them as the queue does now, unkeyed (the key is
    the app's), so the same user still resumes and still may not decide the request."""
    user = "jane.doe@example.com"
    reviewers = {user: {"roles": ["finance"], "tenants": ["*"]}, **REVIEWERS}
    queue = ApprovalQueue(
        engine, directory=ReviewerDirectory.from_mapping(reviewers, source="tests")
    )
    ticket = submit(queue, requester=user).id
    refusal = f"approve: reviewer '{user}' made request {ticket} and cannot decide it"
    with engine.begin() as conn:  # the rows as a release before pseudonyms wrote them
        conn.execute(update(REQUESTS).values(requester=user))
        conn.execute(update(EVENTS).values(actor=user))
        refused = {"kind": "refused", "from_state": "pending", "to_state": "pending"}
        conn.execute(
            insert(EVENTS),
            [
                {
                    "request_id": ticket,
                    "at": queue.get(ticket).created_at,
                    "actor": user,
                    "reason": refusal,
                    **refused,
                }
            ],
        )
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0011_approval_use_by_again")
    migrate(engine)
    request = queue.get(ticket)
    assert request.requester == requester_id(user)  # unkeyed
    assert [(e.by, user in e.why) for e in request.history] == [(request.requester, False)] * 2
    assert requested_by(user, request.requester, queue.pseudonyms)
    assert not requested_by("john.roe@example.com", request.requester, queue.pseudonyms)
    with pytest.raises(NotAuthorized, match="cannot decide their own request"):
        queue.approve(ticket, user)
    assert queue.approve(ticket, "bob").state is ApprovalState.APPROVED


_ROW = "FROM charter_approval_request WHERE id = :id"
OLD_VOTE = (  # what a release before revision 0010 writes to approve (9303149, 5bfda26)
    "INSERT INTO charter_approval_vote (request_id, reviewer, verdict, reason, at) "
    f"SELECT id, 'alice', 'approve', '', created_at {_ROW}",
    "UPDATE charter_approval_request SET state = 'approved' WHERE id = :id",
    "INSERT INTO charter_approval_event "
    "(request_id, at, actor, kind, from_state, to_state, reason) "
    f"SELECT id, created_at, 'alice', 'vote', 'pending', 'approved', '' {_ROW}",
)
OLD_USE = (  # ... and to use an approval
    "UPDATE charter_approval_request SET consumed_at = updated_at WHERE id = :id",
    "INSERT INTO charter_approval_event "
    "(request_id, at, actor, kind, from_state, to_state, reason) "
    f"SELECT id, created_at, 'app', 'consumed', 'approved', 'approved', '' {_ROW}",
)


@pytest.mark.parametrize(
    ("writes", "approved"),
    [(OLD_VOTE, False), (OLD_VOTE[1:], False), (OLD_USE, True)],
    ids=["vote", "approval-without-vote-row", "use"],
)
def test_the_store_refuses_a_write_of_a_release_older_than_its_schema(
    engine: Engine, writes: tuple[str, ...], approved: bool
) -> None:
    """Found by probing a rolling deploy: a process of an older release, still running
    after a new one migrated the store, counted a requester's vote on their own request
    (filed under a keyed pseudonym it cannot compare) and its worker used the approval; the
    action ran. Revision 0010's triggers refuse every approval write in the old shape (a
    history row without the writer's rules, a vote without the approvers it was cast
    under), so the whole transaction fails and nothing changes."""
    migrate(engine)
    queue = ApprovalQueue(engine, directory=directory(), clock=ManualClock())
    ticket = submit(queue).id
    if approved:
        queue.approve(ticket, "bob")
    before = queue.get(ticket)
    with (
        pytest.raises(StoreError, match="older than the schema of the store"),
        engine.begin() as conn,
    ):
        for statement in writes:
            try:
                conn.execute(text(statement), {"id": ticket})
            except DBAPIError as exc:  # what an older release's store layer reports
                raise StoreError(str(exc.orig)) from None
    after = queue.get(ticket)
    assert (after.state, after.votes, after.consumed_at) == (
        before.state,
        before.votes,
        before.consumed_at,
    )
    assert len(after.history) == len(before.history)
    if approved:  # the current release's own writes still go through
        assert queue.consume(ticket, action_hash(ACTION)).consumed_at is not None


def _migrate_in_child(url: str) -> str | None:
    engine = connect(url)
    try:
        migrate(engine)
        return current_revision(engine)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_four_processes_migrating_at_once_all_succeed(store_url: str) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        revisions = pool.map(_migrate_in_child, [store_url] * 4)
    assert revisions == [head_revision()] * 4
    engine = connect(store_url)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar() == 1
    engine.dispose()


def test_two_threads_migrating_two_new_stores_at_once_both_succeed(tmp_path: Path) -> None:
    """Found by probing: two Charters on two new SQLite files, first used at once, both
    failed ("table charter_approval_request already exists", and a bare `KeyError`): the
    lock was per database, and Alembic's `op`/`context` proxies are process-wide. Upgrades
    in one process now run one at a time. Three rounds: the race lost every time."""
    for round_ in range(3):
        engines = [connect(f"sqlite:///{tmp_path}/{round_}-{n}.db") for n in range(2)]
        barrier = threading.Barrier(len(engines))
        errors: list[BaseException] = []
        args = [(e, barrier, errors) for e in engines]
        threads = [threading.Thread(target=_migrate_at_once, args=a) for a in args]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert [current_revision(e) for e in engines] == [head_revision()] * 2
        for engine in engines:
            engine.dispose()


def test_a_store_waiting_for_its_database_does_not_hold_up_another(tmp_path: Path) -> None:
    """Found by review: the process-wide upgrade lock was held while waiting for the
    database's own, so a new store whose file another process had locked kept every other
    new store in the process waiting (on PostgreSQL, for as long as the holder lived). B
    now migrates while A still waits; A completes once its database is free."""
    holder = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")  # another app holds a.db's write lock
    holder.execute("CREATE TABLE other_app (x)")
    waiting_a = connect(f"sqlite:///{tmp_path}/a.db", busy_timeout_ms=10_000)
    b = connect(f"sqlite:///{tmp_path}/b.db")
    asking = threading.Event()

    def _seen(_c: object, _cur: object, statement: str, *_args: object) -> None:
        if statement == "BEGIN IMMEDIATE":
            asking.set()

    event.listen(waiting_a, "before_cursor_execute", _seen)
    errors: list[BaseException] = []
    thread = threading.Thread(target=_migrate_at_once, args=(waiting_a, None, errors))
    thread.start()
    try:
        assert asking.wait(30)
        migrate(b)
        assert thread.is_alive(), errors  # A still waits for its database, B is done
        assert current_revision(b) == head_revision()
    finally:
        holder.execute("COMMIT")
        thread.join()
    assert errors == []
    assert current_revision(waiting_a) == head_revision()
    for engine in (waiting_a, b):
        engine.dispose()


def _migrate_at_once(
    engine: Engine, barrier: threading.Barrier | None, errors: list[BaseException]
) -> None:
    if barrier is not None:
        barrier.wait()
    try:
        migrate(engine)
    except BaseException as exc:
        errors.append(exc)


def _flatten(diffs: list[object]) -> list[object]:
    out: list[object] = []
    for diff in diffs:
        out.extend(diff if isinstance(diff, list) else [diff])
    return out


def _table_of(diff: object) -> str | None:
    """The table a compare_metadata diff tuple is about."""
    assert isinstance(diff, tuple)
    for part in diff[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if isinstance(part, str) and part in APPROVAL_TABLES:
            return part
        if name in APPROVAL_TABLES:
            return str(name)
    return None
