"""A keyed submit: the same action held again under the same key (an agent step that
LangGraph re-runs after a pause) finds the first request instead of queueing another."""

from __future__ import annotations

from typing import Any

from charter.approvals import ApprovalQueue, ApprovalRequest, ApprovalState, EventKind
from tests.approvals.helpers import ACTION, spec


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
