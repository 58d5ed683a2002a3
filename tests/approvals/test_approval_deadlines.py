"""Deadlines on SQLite and PostgreSQL: the outcome depends on the time, never on when the
queue happens to be read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from charter.approvals import ApprovalState, EventKind, action_hash
from charter.approvals.models import WITHHELD
from charter.approvals.queue import ApprovalQueue
from charter.decision import Approvers, Requirement
from charter.errors import ApprovalError, ApprovalRejected
from tests.approvals.helpers import ACTION, ManualClock, submit

DAY = 86400


def _escalating(queue: ApprovalQueue) -> str:
    return submit(
        queue, timeout_s=DAY, on_timeout="escalate", escalate_to=Approvers(roles=("compliance",))
    ).id


@pytest.mark.parametrize("read_daily", [True, False])
def test_an_unread_escalation_expires_as_a_polled_one_does(
    queue: ApprovalQueue, clock: ManualClock, read_daily: bool
) -> None:
    """Found by probing: the escalation's deadline counted from whenever the queue was next
    read, so a request nobody looked at for 10 days was escalated on day 10 with a fresh
    day (approvable, usable) where a daily sweep had expired it on day 2."""
    ticket = _escalating(queue)
    deadline = queue.get(ticket).expires_at
    for _ in range(10):
        clock.advance(DAY)
        if read_daily:
            queue.expire_due()
    request = queue.current(ticket)
    assert request.state is ApprovalState.EXPIRED  # before (unread): pending until day 11
    assert request.escalations == 1
    kinds = [(h.kind, h.to_state) for h in request.history[1:]]
    assert kinds == [
        (EventKind.ESCALATED, ApprovalState.PENDING),
        (EventKind.TRANSITION, ApprovalState.EXPIRED),
    ]
    second = deadline + timedelta(seconds=DAY)
    assert f"no decision by {second.isoformat(timespec='seconds')} after escalation" in (
        request.history[-1].why
    )
    with pytest.raises(ApprovalError, match=r"expired at .* without a decision"):
        queue.approve(ticket, "dave")


def test_an_escalation_read_late_keeps_the_deadline_it_would_have_had(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    ticket = _escalating(queue)
    deadline = queue.get(ticket).expires_at
    clock.advance(DAY + DAY // 2)  # read half-way through the escalation's day
    escalated = queue.current(ticket)
    assert escalated.state is ApprovalState.PENDING
    assert escalated.expires_at == deadline + timedelta(seconds=DAY)  # before: now + 1 day
    assert queue.approve(ticket, "dave").state is ApprovalState.APPROVED
    assert queue.consume(ticket, action_hash(ACTION)).consumed_at == clock.now


def test_an_approval_unused_past_its_use_by_time_expires(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    """Found by probing: an approval given a minute before its deadline and never used was
    used 400 days later. It is usable for `timeout_s` after it was given (a late approval
    still leaves the app the whole window); then it resumes as expired."""
    ticket = submit(queue, timeout_s=600).id
    clock.advance(540)  # a minute before the decision deadline
    approved = queue.approve(ticket, "alice")
    assert approved.expires_at == clock.now + timedelta(seconds=600)
    clock.advance(599)
    assert queue.expire_due() == []
    assert queue.current(ticket).state is ApprovalState.APPROVED
    clock.advance(1)
    with pytest.raises(ApprovalRejected, match="expired; the action must not run"):
        queue.consume(ticket, action_hash(ACTION))  # before: used
    expired = queue.get(ticket)
    assert expired.state is ApprovalState.EXPIRED and expired.consumed_at is None
    assert "approved but not used by" in expired.transitions[-1].why
    assert expired.action["content"] == WITHHELD  # settled: only the digest stays
    with pytest.raises(ApprovalError, match=r"expired at .* approved but unused"):
        queue.approve(ticket, "erin")


def test_the_sweep_settles_an_unused_approval_and_leaves_a_used_one(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    unused, used = submit(queue, timeout_s=60).id, submit(queue, timeout_s=60).id
    queue.approve(unused, "alice")
    queue.approve(used, "alice")
    queue.consume(used, action_hash(ACTION))
    clock.advance(3600)
    [expired] = queue.expire_due()
    assert (expired.id, expired.state) == (unused, ApprovalState.EXPIRED)
    assert expired.action["content"] == WITHHELD
    assert queue.get(used).state is ApprovalState.APPROVED
    assert queue.expire_due() == []


def test_a_request_never_approved_expires_without_a_decision(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    """Found by review: two rules held the call, one rule's approver voted, the escalation
    cleared the rules' counts, and nobody else voted; the refusal said "approved but
    unused" (read from the votes). It says so only when the history holds an approval."""
    both = Approvers(roles=("finance", "compliance"))
    ticket = submit(
        queue,
        approvers=both,
        requirements=(
            Requirement(rule="a", approvers=Approvers(roles=("finance",))),
            Requirement(rule="b", approvers=Approvers(roles=("compliance",))),
        ),
        on_timeout="escalate",
        escalate_to=Approvers(roles=("support",)),
    ).id
    assert queue.approve(ticket, "alice").state is ApprovalState.PENDING
    clock.advance(1300)  # past the deadline and the escalation's
    assert queue.current(ticket).state is ApprovalState.EXPIRED
    with pytest.raises(ApprovalError, match=r"expired at .* without a decision"):
        queue.approve(ticket, "carol")
