"""Several rules holding one call: each rule's own approvers and count must be met. Found
by probing: the merged request took one approval from EITHER group, so a security
reviewer alone released a refund that a finance rule held too."""

from __future__ import annotations

import pytest

from charter.approvals import ApprovalState, PolicyAuthorizer, action_hash
from charter.approvals.lifecycle import covers
from charter.approvals.queue import ApprovalQueue
from charter.config import DEFAULT_POLICIES
from charter.decision import Approvers, Requirement
from charter.errors import ApprovalError, ApprovalPending
from charter.policy.embedded import EmbeddedEngine
from tests.approvals.helpers import ACTION, make_request, mark_approved, spec, submit

FINANCE = Requirement(rule="tools.pay", approvers=Approvers(roles=("finance",)))
COMPLIANCE = Requirement(rule="tools.flagged", approvers=Approvers(roles=("compliance",)))
UNION = Approvers(roles=("compliance", "finance"))


def _held_by_two(queue: ApprovalQueue, finance_min: int = 1) -> str:
    finance = FINANCE.model_copy(update={"min_approvals": finance_min})
    return submit(
        queue, approvers=UNION, min_approvals=finance_min, requirements=(finance, COMPLIANCE)
    ).id


def test_one_group_alone_does_not_release_a_call_two_rules_hold(queue: ApprovalQueue) -> None:
    ticket = _held_by_two(queue)
    assert queue.approve(ticket, "dave").state is ApprovalState.PENDING  # compliance only
    assert "still needs 1 of roles finance for rule tools.pay" in queue.get(ticket).history[-1].why
    with pytest.raises(ApprovalPending):
        queue.consume(ticket, action_hash(ACTION))
    assert queue.approve(ticket, "alice").state is ApprovalState.APPROVED  # finance


def test_a_reviewer_holding_both_roles_meets_both_rules(queue: ApprovalQueue) -> None:
    ticket = _held_by_two(queue)
    assert queue.approve(ticket, "erin").state is ApprovalState.APPROVED  # finance, compliance


def test_each_rule_counts_its_own_approvers(queue: ApprovalQueue) -> None:
    ticket = _held_by_two(queue, finance_min=2)
    queue.approve(ticket, "dave")
    assert queue.approve(ticket, "alice").state is ApprovalState.PENDING  # 1 of 2 finance
    assert queue.approve(ticket, "erin").state is ApprovalState.APPROVED


def test_roles_read_by_the_policy_count_too(store_url: str) -> None:
    """The guard's queue has no reviewer directory: the shipped policy's `can_approve`
    reads the roles from its data (erin: security, alice: finance)."""
    engine = EmbeddedEngine(DEFAULT_POLICIES)
    security = Requirement(rule="tools.flagged", approvers=Approvers(roles=("security",)))
    with ApprovalQueue(store_url, authorizer=PolicyAuthorizer(engine)) as queue:
        ticket = submit(
            queue,
            approvers=Approvers(roles=("finance", "security")),
            requirements=(FINANCE, security),
        ).id
        assert queue.approve(ticket, "erin").state is ApprovalState.PENDING
        assert queue.approve(ticket, "alice").state is ApprovalState.APPROVED


def test_an_approved_state_without_every_rules_votes_is_not_used(queue: ApprovalQueue) -> None:
    ticket = _held_by_two(queue)
    queue.approve(ticket, "dave")
    mark_approved(queue, ticket)
    with pytest.raises(ApprovalError, match=r"do not meet 1 of roles finance for rule tools\.pay"):
        queue.consume(ticket, action_hash(ACTION))


def test_an_approval_covers_a_hold_rule_by_rule() -> None:
    both = (FINANCE, COMPLIANCE)
    needed = spec(approvers=UNION, requirements=both)
    assert covers(make_request(approvers=UNION, requirements=both), needed)
    assert not covers(make_request(approvers=UNION), needed)  # one group of either role
    assert not covers(make_request(approvers=UNION, requirements=(FINANCE,) * 2), needed)
