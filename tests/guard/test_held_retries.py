"""A held call retried files no second request while the first is pending (found by
probing): `with_retry()` around a guarded LangChain tool (an `ApprovalPending` is an
ordinary exception to it) filed one approval request per attempt, and a plain guarded call
repeated filed one per call. The same action by the same caller, in the same conversation,
now gets the pending request back; a decided or used one is never handed out again."""

from __future__ import annotations

import pytest
from langchain_core.tools import tool

import charter as charter_pkg
from charter.errors import ApprovalPending
from charter.guard import Charter
from charter.langchain import guard_tool


def test_a_repeated_held_call_shares_its_pending_request(charter: Charter) -> None:
    ran: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return f"refunded {amount}"

    tickets = []
    for _ in range(3):
        with pytest.raises(ApprovalPending) as held:
            issue_refund("A-1", 900.0)
        tickets.append(held.value.ticket)
    assert len(set(tickets)) == 1 and len(charter.queue.list()) == 1  # main: 3 of each
    with charter_pkg.context(user="u-2"), pytest.raises(ApprovalPending) as other:
        issue_refund("A-1", 900.0)
    assert other.value.ticket != tickets[0]  # another caller's request is their own

    charter.queue.approve(tickets[0], "alice", reason="ok")
    assert charter.resume(tickets[0]) == "refunded 900.0" and ran == [900.0]
    with pytest.raises(ApprovalPending) as later:  # the approval was used: a new request
        issue_refund("A-1", 900.0)
    assert later.value.ticket != tickets[0]
    assert charter.queue.get(later.value.ticket).state.value == "pending"


def test_with_retry_around_a_guarded_tool_files_one_request(charter: Charter) -> None:
    @tool
    def issue_refund(order_id: str, amount: float) -> str:
        """Refund an order."""
        return "refunded"

    retried = guard_tool(issue_refund, charter=charter).with_retry(
        stop_after_attempt=3, wait_exponential_jitter=False
    )
    with pytest.raises(ApprovalPending):
        retried.invoke({"order_id": "A-1", "amount": 900})
    assert len(charter.queue.list()) == 1  # main: 3
