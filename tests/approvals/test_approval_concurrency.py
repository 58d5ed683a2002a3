"""Eight reviewer processes on one queue, on SQLite and on PostgreSQL: no request decided
twice, no vote lost, M-of-N counted exactly."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from typing import Any

import pytest

from charter.approvals import ApprovalState, EventKind
from charter.approvals.queue import ApprovalQueue
from charter.decision import Approvers
from tests.approvals import approval_workers
from tests.approvals.helpers import submit

WORKERS = 8
REVIEWERS = {f"r{i}": {"roles": ["finance"], "tenants": ["*"]} for i in range(WORKERS)}

pytestmark = pytest.mark.slow


def _run(target: Any, per_worker_args: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Start one spawned process per args tuple, released together by a barrier."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(per_worker_args))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(*args, barrier, results)) for args in per_worker_args
    ]
    for process in processes:
        process.start()
    collected = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return collected


def test_eight_reviewers_voting_on_the_same_requests(store_url: str) -> None:
    finance = Approvers(roles=("finance",))
    with ApprovalQueue(store_url) as queue:
        three = [submit(queue, approvers=finance, min_approvals=3).id for _ in range(6)]
        eight = [submit(queue, approvers=finance, min_approvals=8).id for _ in range(4)]
    tickets = three + eight

    outcomes = _run(
        approval_workers.vote_on_all,
        [(store_url, reviewer, tickets, REVIEWERS) for reviewer in REVIEWERS],
    )

    accepted = {reviewer: set(ok) for reviewer, ok, _refused in outcomes}
    refusals = [line for _r, _ok, refused in outcomes for line in refused]
    with ApprovalQueue(store_url) as queue:
        requests = {t: queue.get(t) for t in tickets}
    for ticket, request in requests.items():
        need = 3 if ticket in three else 8
        assert request.state is ApprovalState.APPROVED
        assert request.approvals == len(request.votes) == need  # M-of-N exact
        voters = {v.reviewer for v in request.votes}
        assert voters == {r for r, ok in accepted.items() if ticket in ok}  # no vote lost
        decisive = [
            h for h in request.history if h.to_state == "approved" and h.from_state == "pending"
        ]
        assert len(decisive) == 1  # decided once
        assert len(request.refusals) == WORKERS - need
        assert all("already approved" in r.why for r in request.refusals)
    assert sum(len(ok) for ok in accepted.values()) == 6 * 3 + 4 * 8
    assert len(refusals) == 6 * (WORKERS - 3)
    assert all("ApprovalError" in line and "already approved" in line for line in refusals)


def test_eight_reviewers_sharing_an_inbox_with_claim_next(store_url: str) -> None:
    with ApprovalQueue(store_url) as queue:
        tickets = [submit(queue, approvers=Approvers(roles=("finance",))).id for _ in range(24)]

    outcomes = _run(
        approval_workers.claim_and_approve,
        [(store_url, reviewer, REVIEWERS) for reviewer in REVIEWERS],
    )

    decided = Counter(t for _r, done, _errors in outcomes for t in done)
    assert [errors for _r, _done, errors in outcomes] == [[]] * WORKERS  # no collisions
    assert decided == Counter({t: 1 for t in tickets})  # each decided once, none missed
    with ApprovalQueue(store_url) as queue:
        for ticket in tickets:
            request = queue.get(ticket)
            assert request.state is ApprovalState.APPROVED and len(request.votes) == 1
            claims = [h for h in request.history if h.kind is EventKind.CLAIMED]
            assert [c.by for c in claims] == [request.votes[0].reviewer]
            assert request.claimed_by is None
