"""The request lifecycle on SQLite and PostgreSQL: every transition, with who/when/why."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from charter.approvals import ApprovalRequest, ApprovalState, EventKind, action_hash
from charter.approvals.queue import ApprovalQueue
from charter.decision import Approvers
from charter.errors import ApprovalError, ApprovalPending, ApprovalRejected
from tests.approvals.helpers import ACTION, ManualClock, copies, directory, spec, submit


def test_submit_queues_a_pending_request_bound_to_the_action(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    request = submit(queue, min_approvals=2, timeout_s=120)
    assert request.id.startswith("apr_")
    assert request.state is ApprovalState.PENDING
    assert request.action == ACTION
    assert request.action_hash == action_hash(ACTION)
    assert request.expires_at == clock.now + timedelta(seconds=120)
    assert (request.rule, request.requester, request.min_approvals) == (
        "tools.payment_over_limit",
        "user-7",
        2,
    )
    stored = queue.get(request.id)
    assert stored == request
    [created] = stored.history
    assert (created.kind, created.by, created.to_state) == (EventKind.CREATED, "user-7", "pending")
    assert created.why == "payment over 500 EUR"


def test_the_request_is_durable_across_queue_instances(store_url: str) -> None:
    with ApprovalQueue(store_url) as first:
        ticket = submit(first).id
    with ApprovalQueue(store_url, directory=directory()) as second:
        assert second.get(ticket).state is ApprovalState.PENDING
        assert second.approve(ticket, "alice").state is ApprovalState.APPROVED


def test_m_of_n_needs_min_approvals_distinct_reviewers(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    ticket = submit(queue, min_approvals=2).id
    first = queue.approve(ticket, "alice", "looks right")
    assert (first.state, first.approvals) == (ApprovalState.PENDING, 1)
    clock.advance(5)
    second = queue.approve(ticket, "erin")
    assert (second.state, second.approvals) == (ApprovalState.APPROVED, 2)
    assert [(v.reviewer, v.verdict, v.reason) for v in second.votes] == [
        ("alice", "approve", "looks right"),
        ("erin", "approve", ""),
    ]
    [decided] = second.transitions[1:]
    assert (decided.by, decided.from_state, decided.to_state, decided.at) == (
        "erin",
        "pending",
        "approved",
        clock.now,
    )
    assert "2 of 2 approvals" in decided.why


def test_one_rejection_vetoes_and_needs_a_reason(queue: ApprovalQueue) -> None:
    ticket = submit(queue, min_approvals=2).id
    queue.approve(ticket, "alice")
    with pytest.raises(ApprovalError, match="needs a reason"):
        queue.reject(ticket, "erin", "  ")
    assert len(queue.get(ticket).history) == 2  # nothing recorded for bad input
    rejected = queue.reject(ticket, "erin", "IBAN not on the supplier list")
    assert rejected.state is ApprovalState.REJECTED
    assert rejected.transitions[-1].why.endswith("IBAN not on the supplier list")


def test_a_decided_request_takes_no_more_votes(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    queue.approve(ticket, "alice")
    with pytest.raises(ApprovalError, match="already approved"):
        queue.approve(ticket, "erin")
    request = queue.get(ticket)
    assert request.approvals == 1
    assert request.refusals[-1].by == "erin"


def test_cancel_a_pending_request_and_not_a_decided_one(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    with pytest.raises(ApprovalError, match="needs a reason"):
        queue.cancel(ticket, by="payments-bot", reason="")
    cancelled = queue.cancel(ticket, by="payments-bot", reason="user withdrew the payment")
    assert cancelled.state is ApprovalState.CANCELLED
    assert cancelled.transitions[-1].by == "payments-bot"
    with pytest.raises(ApprovalError, match="only pending requests can be cancelled"):
        queue.cancel(ticket, by="ops", reason="again")
    assert queue.get(ticket).refusals[-1].by == "ops"


def test_timeout_with_deny_expires_the_request(queue: ApprovalQueue, clock: ManualClock) -> None:
    ticket = submit(queue, timeout_s=60).id
    other = submit(queue, timeout_s=3600).id
    clock.advance(59)
    assert queue.expire_due() == []
    clock.advance(1)
    [expired] = queue.expire_due()
    assert (expired.id, expired.state) == (ticket, ApprovalState.EXPIRED)
    last = expired.transitions[-1]
    assert (last.by, last.to_state) == ("charter", "expired")
    assert "on_timeout is deny" in last.why
    assert queue.get(other).state is ApprovalState.PENDING
    assert queue.expire_due() == []


def test_a_listing_never_shows_an_overdue_request_as_pending(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    """Found by probing: only `approvals watch` applied timeouts, so `list` showed a request
    past its deadline as pending, its action text kept, until something touched it."""
    ticket = submit(queue, timeout_s=60).id
    clock.advance(61)
    assert [r.id for r in queue.list(ApprovalState.PENDING)] == []  # before: [ticket]
    [listed] = queue.list()
    assert (listed.id, listed.state) == (ticket, ApprovalState.EXPIRED)


def test_timeout_with_escalate_hands_over_once_then_denies(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    ticket = submit(
        queue, timeout_s=60, on_timeout="escalate", escalate_to=Approvers(roles=("compliance",))
    ).id
    deadline = queue.get(ticket).expires_at
    clock.advance(61)
    [escalated] = queue.expire_due()
    assert escalated.id == ticket
    assert escalated.state is ApprovalState.PENDING
    assert escalated.approvers == Approvers(roles=("compliance",))
    assert escalated.expires_at == deadline + timedelta(seconds=60)
    assert escalated.escalations == 1
    assert escalated.history[-1].kind is EventKind.ESCALATED
    assert "escalated to roles compliance" in escalated.history[-1].why
    clock.advance(61)
    [expired] = queue.expire_due()
    assert expired.state is ApprovalState.EXPIRED
    assert "after escalation" in expired.transitions[-1].why


def test_escalated_request_is_decided_by_the_new_approvers(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    ticket = submit(
        queue, timeout_s=60, on_timeout="escalate", escalate_to=Approvers(roles=("compliance",))
    ).id
    clock.advance(60)
    with pytest.raises(ApprovalError, match="needs roles compliance"):
        queue.approve(ticket, "alice")  # finance: the deadline applies first, then authz
    assert queue.approve(ticket, "dave").state is ApprovalState.APPROVED


def test_escalate_without_a_target_denies(queue: ApprovalQueue, clock: ManualClock) -> None:
    ticket = submit(queue, timeout_s=60, on_timeout="escalate").id
    clock.advance(60)
    [expired] = queue.expire_due()
    assert expired.id == ticket and expired.state is ApprovalState.EXPIRED
    assert "escalate_to is empty" in expired.transitions[-1].why


def test_consume_uses_an_approval_exactly_once(queue: ApprovalQueue, clock: ManualClock) -> None:
    ticket = submit(queue).id
    with pytest.raises(ApprovalPending) as pending:
        queue.consume(ticket, action_hash(ACTION))
    assert pending.value.ticket == ticket
    queue.approve(ticket, "alice")
    clock.advance(3)
    used = queue.consume(ticket, action_hash(ACTION), by="payments-bot")
    assert used.consumed_at == clock.now
    assert used.history[-1].kind is EventKind.CONSUMED
    with pytest.raises(ApprovalError, match="already used"):
        queue.consume(ticket, action_hash(ACTION))


@pytest.mark.parametrize("how", ["reject", "expire", "cancel"])
def test_consume_of_an_unapproved_request_says_the_action_must_not_run(
    queue: ApprovalQueue, clock: ManualClock, how: str
) -> None:
    ticket = submit(queue, timeout_s=60).id
    if how == "reject":
        queue.reject(ticket, "alice", "no")
    elif how == "cancel":
        queue.cancel(ticket, by="app", reason="not needed")
    else:
        clock.advance(60)  # no sweep: consume applies the deadline itself
    with pytest.raises(ApprovalRejected, match="must not run"):
        queue.consume(ticket, action_hash(ACTION))


def test_consume_needs_a_real_sha256(queue: ApprovalQueue) -> None:
    ticket = submit(queue).id
    with pytest.raises(ApprovalError, match="64-character"):
        queue.consume(ticket, "not-a-hash")


def test_get_and_list(queue: ApprovalQueue, clock: ManualClock) -> None:
    first = submit(queue).id
    clock.advance(1)
    second = submit(queue, tenant="globex").id
    queue.approve(first, "alice")
    assert [r.id for r in queue.list()] == [second, first]
    assert [r.id for r in queue.list("pending")] == [second]
    assert [r.id for r in queue.list(ApprovalState.APPROVED)] == [first]
    assert [r.id for r in queue.list(tenant="globex")] == [second]
    assert queue.list(limit=1)[0].id == second
    with pytest.raises(ApprovalError, match="unknown approval state 'done'"):
        queue.list("done")
    with pytest.raises(ApprovalError, match="no approval request 'apr_missing'"):
        queue.get("apr_missing")
    with pytest.raises(ApprovalError, match="no approval request"):
        queue.approve("apr_missing", "alice")


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda q, t: q.approve(t, 42, "ok"), r"approve\(reviewer=\.\.\.\) takes .* \(got int\)"),
        (lambda q, t: q.approve(t, b"alice", "ok"), r"approve\(reviewer=.*\(got bytes\)"),
        (lambda q, t: q.approve(t, "alice", None), r"approve\(reason=\.\.\.\) takes a str"),
        (lambda q, t: q.approve(t, "alice", b"ok"), r"approve\(reason=.*\(got bytes\)"),
        (lambda q, t: q.reject(t, "alice", None), r"reject\(reason=\.\.\.\) takes a str"),
        (lambda q, t: q.cancel(t, None, "x"), r"cancel\(by=\.\.\.\) takes a str \(got NoneType\)"),
        (lambda q, t: q.cancel(t, "app", b"x"), r"cancel\(reason=.*\(got bytes\)"),
        (lambda q, t: q.consume(t, 5), r"consume\(action_hash=.*\(got int\)"),
        (lambda q, t: q.list(tenant=1), r"list\(tenant=\.\.\.\) takes a str \(got int\)"),
        (lambda q, t: q.list(limit="ten"), r"list\(limit=\.\.\.\) takes a whole number"),
        (lambda q, t: q.list(limit=float("nan")), r"list\(limit=.*\(got nan\)"),
        (lambda q, t: q.list(limit=True), r"list\(limit=.*\(got True\)"),
        (lambda q, t: q.list(limit=2**63), r"list\(limit=.*from 1 to 2147483647"),
        (lambda q, t: q.inbox("alice", limit=0), r"inbox\(limit=.*\(got 0\)"),
        (lambda q, t: q.inbox("alice", limit=None), r"inbox\(limit=.*\(got None\)"),
        (lambda q, t: q.inbox(7), r"inbox\(reviewer=.*\(got int\)"),
        (lambda q, t: q.claim_next("alice", lease_s=None), r"claim_next\(lease_s=.*\(got None\)"),
        (lambda q, t: q.claim_next("alice", lease_s=float("inf")), r"lease_s=.*\(got inf\)"),
        (lambda q, t: q.claim_next("alice", lease_s=0), r"lease_s=.*above 0"),
        (lambda q, t: q.expire_due(limit=float("nan")), r"expire_due\(limit=.*\(got nan\)"),
    ],
)
def test_a_wrong_argument_is_an_approval_error_naming_it_and_writes_nothing(
    queue: ApprovalQueue, call: Any, named: str
) -> None:
    """Found by probing: these failed deep inside with AttributeError ('int'.strip), a
    pydantic ValidationError, SQLAlchemy's StatementError, TypeError, ValueError (a bare
    one from `inbox(limit=0)` too) or OverflowError (`lease_s=inf`)."""
    ticket = submit(queue).id
    before = queue.get(ticket)
    with pytest.raises(ApprovalError, match=named):
        call(queue, ticket)
    after = queue.get(ticket)
    assert (after.state, after.history, after.votes, after.claimed_by) == (
        before.state,
        before.history,
        before.votes,
        before.claimed_by,
    )


def test_claim_next_gives_each_reviewer_a_request_they_may_decide(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    support_only = submit(queue, approvers=Approvers(roles=("support",))).id
    clock.advance(1)
    first = submit(queue).id
    clock.advance(1)
    second = submit(queue).id
    claimed = queue.claim_next("alice")
    assert claimed is not None and claimed.id == first and claimed.claimed_by == "alice"
    assert claimed.history[-1].kind is EventKind.CLAIMED
    other = queue.claim_next("erin")
    assert other is not None and other.id == second  # alice holds `first`
    assert queue.claim_next("alice").id == first  # type: ignore[union-attr]  # her own claim
    queue.approve(first, "alice")
    assert queue.get(first).claimed_by is None
    assert queue.claim_next("dave") is None  # compliance: nothing here for dave
    carol = queue.claim_next("carol")
    assert carol is not None and carol.id == support_only


def test_claim_next_finds_a_request_behind_any_number_it_may_not_decide(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    """Found by probing: claim_next read the oldest 1000 claimable requests and gave up, so
    another tenant's older ones kept bob (acme only) from ever getting his."""
    copies(queue, submit(queue, tenant="globex").id, 1100)
    clock.advance(1)
    mine = submit(queue).id
    claimed = queue.claim_next("bob")
    assert claimed is not None and claimed.id == mine  # before: None


def test_an_inbox_reads_past_any_number_it_may_not_decide(
    queue: ApprovalQueue, clock: ManualClock
) -> None:
    """Pages of the pending requests, newest first, until the limit is met: a tenant's
    newer requests do not hide another's (found by probing), and copies made at one
    instant are each read once."""
    older = submit(queue).id
    clock.advance(1)
    newer = submit(queue).id
    clock.advance(1)
    copies(queue, submit(queue, tenant="globex").id, 250)
    inbox = queue.inbox("bob", limit=5)
    assert [r.id for r in inbox.requests] == [newer, older]
    assert (inbox.for_others, inbox.complete) == (251, True)  # every one read, once
    first = queue.inbox("bob", limit=1)
    assert [r.id for r in first.requests] == [newer]
    assert (first.for_others, first.complete) == (251, False)  # `older` was not read


def test_claims_lapse_after_their_lease(queue: ApprovalQueue, clock: ManualClock) -> None:
    ticket = submit(queue, min_approvals=2).id
    assert queue.claim_next("alice", lease_s=30).id == ticket  # type: ignore[union-attr]
    assert queue.claim_next("erin") is None
    clock.advance(31)
    assert queue.claim_next("erin").id == ticket  # type: ignore[union-attr]


def test_submit_callbacks_run_and_a_failing_one_loses_nothing(
    queue: ApprovalQueue, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[ApprovalRequest] = []

    def broken(_request: ApprovalRequest) -> None:
        raise RuntimeError(f"slack is down; payload was {_request.action['text']}")

    queue.on_submit(broken)
    queue.on_submit(seen.append)
    with caplog.at_level(logging.WARNING, logger="charter.approvals.queue"):
        request = submit(queue)
    assert [r.id for r in seen] == [request.id]
    assert queue.get(request.id).state is ApprovalState.PENDING
    [record] = caplog.records
    message = record.getMessage()
    assert request.id in message and "RuntimeError" in message
    assert "invoice" not in message and "slack is down" not in message


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("requester", "", "requester must be a non-empty string"),
        ("tenant", "x" * 256, "tenant is longer than 255"),
    ],
)
def test_submit_refuses_bad_fields_and_writes_nothing(
    queue: ApprovalQueue, field: str, value: str, message: str
) -> None:
    bad: dict[str, Any] = {field: value}
    with pytest.raises(ApprovalError, match=message):
        submit(queue, **bad)
    assert queue.list() == []


def test_submit_accepts_an_empty_rule_when_the_policy_named_none(queue: ApprovalQueue) -> None:
    request = queue.submit(
        spec=spec(),
        action=ACTION,
        requester="user-7",
        tenant="",
        app="",
        rule="",
        decision_id="d-1",
    )
    assert queue.get(request.id).rule == ""
    assert request.history[0].why == "payment over 500 EUR"


def test_numpy_numbers_are_taken_as_limits(queue: ApprovalQueue) -> None:
    """Found by review: `list(limit=np.int64(10))`, taken before the argument checks, was
    refused as "not a whole number"."""
    np = pytest.importorskip("numpy")
    ticket = submit(queue).id
    assert ticket in [r.id for r in queue.list(limit=np.int64(10))]
    assert queue.expire_due(limit=np.int32(5)) is not None
