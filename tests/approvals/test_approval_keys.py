"""A keyed submit: the same action held again under the same key (an agent step that
LangGraph re-runs after a pause) finds the first request instead of queueing another."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, text

from charter.approvals import ApprovalQueue, ApprovalRequest, ApprovalState, EventKind
from charter.store import connect
from charter.store.approval_tables import EVENTS
from tests.approvals.helpers import ACTION, ManualClock, directory, spec
from tests.support.postgres import PostgresServer


def _submit(
    queue: ApprovalQueue,
    key: str | None,
    action: dict[str, Any] = ACTION,
    requester: str = "user-7",
) -> Any:
    return queue.submit(
        spec=spec(),
        action=action,
        requester=requester,
        tenant="acme",
        app="payments-bot",
        rule="tools.payment_over_limit",
        decision_id="3f0c9f5e-0000-4000-8000-000000000001",
        key=key,
    )


def test_the_same_key_and_action_share_one_request(queue: ApprovalQueue) -> None:
    announced: list[ApprovalRequest] = []
    queue.on_submit(announced.append)
    first = _submit(queue, "thread-1/step-3/call-1")
    queue.approve(first.id, "alice", reason="ok")
    again = _submit(queue, "thread-1/step-3/call-1")
    assert again.id == first.id and again.state is ApprovalState.APPROVED
    assert [r.id for r in queue.list()] == [first.id]
    assert [r.id for r in announced] == [first.id]  # reviewers were told once
    created = [h for h in queue.get(first.id).history if h.kind is EventKind.CREATED]
    assert len(created) == 1


def test_another_key_or_action_or_no_key_queues_its_own(queue: ApprovalQueue) -> None:
    base = _submit(queue, "k")
    assert _submit(queue, "other-k").id != base.id
    assert _submit(queue, "k", {**ACTION, "text": "a different action"}).id != base.id
    # Another user who reuses the key never gets this user's request (or its approval).
    assert _submit(queue, "k", requester="user-8").id != base.id
    unkeyed = {_submit(queue, None).id for _ in range(2)}
    assert len(unkeyed) == 2 and base.id not in unkeyed
    assert len(queue.list()) == 6


def _wait_for_lock_waits(engine: Engine, count: int) -> None:
    """Until `count` sessions of this database wait on a lock (a liveness wait, not a bound
    on how fast: only a session that never gets there fails the test)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    give_up = time.monotonic() + 120
    while True:
        with engine.connect() as conn:
            if conn.execute(query).scalar_one() >= count:
                return
        assert time.monotonic() < give_up, f"{count} session(s) never waited on a lock"
        time.sleep(0.02)


@pytest.mark.postgres
def test_two_workers_holding_the_same_keyed_call_at_once_share_one_request(
    postgres_server: PostgresServer,
) -> None:
    """Found by probing: two workers re-running the same step on PostgreSQL both found no
    request (a row not yet committed locks nothing), both inserted, and one failed on the
    duplicate key. Here the first is held between its insert and its commit (its history
    event waits for a table lock) while the second submits."""
    url = postgres_server.migrated_database()
    admin = connect(url)
    workers = [
        ApprovalQueue(url, directory=directory(), migrate=False, answer_timeout_s=300)
        for _ in range(2)
    ]
    results: list[Any] = []

    def hold(queue: ApprovalQueue) -> None:
        try:
            results.append(_submit(queue, "thread-1/step-3/call-1"))
        except Exception as exc:  # reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=hold, args=(queue,)) for queue in workers]
    try:
        with admin.connect() as blocker:
            blocker.execute(text(f"LOCK TABLE {EVENTS.name} IN EXCLUSIVE MODE"))
            for waiting, thread in enumerate(threads, start=1):
                thread.start()
                _wait_for_lock_waits(admin, waiting)
            blocker.rollback()  # the first commits, the second goes on
        for thread in threads:
            thread.join()
        assert all(isinstance(r, ApprovalRequest) for r in results), results
        assert results[0].id == results[1].id
        assert [r.id for r in workers[0].list()] == [results[0].id]
        created = [h for h in workers[0].get(results[0].id).history if h.kind is EventKind.CREATED]
        assert len(created) == 1
    finally:
        for queue in workers:
            queue.close()
        admin.dispose()


# --- an unkeyed retry finds its pending request (found by probing) -----------------------------


def _again(
    queue: ApprovalQueue,
    reuse_in: str | None = "",
    action: dict[str, Any] = ACTION,
    requester: str = "user-7",
) -> Any:
    return queue.submit(
        spec=spec(),
        action=action,
        requester=requester,
        tenant="acme",
        app="payments-bot",
        rule="tools.payment_over_limit",
        decision_id="3f0c9f5e-0000-4000-8000-000000000002",
        reuse_in=reuse_in,
    )


def test_a_retried_action_reuses_its_pending_request_only(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    """A guarded call retried (`with_retry`, a loop) filed one pending request per attempt.
    Now the same action by the same requester in the same conversation finds its pending
    request; one decided, used or expired is never reused: each approval is for one run."""
    first = _again(queue)
    assert _again(queue).id == first.id  # main: a second request
    assert _again(queue, "conversation-2").id != first.id
    assert _again(queue, requester="user-8").id != first.id
    assert _again(queue, action={**ACTION, "text": "another action"}).id != first.id
    assert _again(queue, None).id != first.id  # the queue's own callers opt in
    assert _submit(queue, "k").id not in {_again(queue, "k").id, first.id}  # keyed apart
    assert len([h for h in queue.get(first.id).history if h.kind is EventKind.CREATED]) == 1

    queue.approve(first.id, "alice", reason="ok")
    approved = _again(queue)
    assert approved.id != first.id and approved.state is ApprovalState.PENDING
    queue.reject(approved.id, "alice", reason="no")
    rejected = _again(queue)
    assert rejected.id not in {first.id, approved.id}
    clock.advance(spec().timeout_s + 1)
    assert _again(queue).id not in {first.id, approved.id, rejected.id}
