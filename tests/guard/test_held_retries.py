"""A held call retried files no second request while the first is pending (found by
probing): `with_retry()` around a guarded LangChain tool (an `ApprovalPending` is an
ordinary exception to it) filed one approval request per attempt, and a plain guarded call
repeated filed one per call. The same action by the same caller, in the same conversation,
now gets the pending request back; a decided or used one is never handed out again. An
anonymous caller outside a conversation files its own each time: nothing identifies it."""

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
        with charter_pkg.context(user="u-1"), pytest.raises(ApprovalPending) as held:
            issue_refund("A-1", 900.0)
        tickets.append(held.value.ticket)
    assert len(set(tickets)) == 1 and len(charter.queue.list()) == 1  # main: 3 of each
    with charter_pkg.context(user="u-2"), pytest.raises(ApprovalPending) as other:
        issue_refund("A-1", 900.0)
    assert other.value.ticket != tickets[0]  # another caller's request is their own

    charter.queue.approve(tickets[0], "alice", reason="ok")
    assert charter.resume(tickets[0]) == "refunded 900.0" and ran == [900.0]
    with charter_pkg.context(user="u-1"), pytest.raises(ApprovalPending) as later:
        issue_refund("A-1", 900.0)  # the approval was used: a new request
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
    with charter_pkg.context(user="u-1"), pytest.raises(ApprovalPending):
        retried.invoke({"order_id": "A-1", "amount": 900})
    assert len(charter.queue.list()) == 1  # main: 3


def test_anonymous_callers_outside_a_conversation_each_file_their_own(charter: Charter) -> None:
    """Found by review: with no user and no conversation nothing tells two callers apart,
    and the second got the first's pending request (its ticket, its approval). In one
    conversation an anonymous caller's retry still finds its request."""

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return f"refunded {amount}"

    tickets = []
    for _ in range(2):
        with pytest.raises(ApprovalPending) as held:
            issue_refund("A-1", 900.0)
        tickets.append(held.value.ticket)
    assert tickets[0] != tickets[1] and len(charter.queue.list()) == 2
    in_conversation = []
    for _ in range(2):
        with charter_pkg.context(conversation="c-1"), pytest.raises(ApprovalPending) as held:
            issue_refund("A-1", 900.0)
        in_conversation.append(held.value.ticket)
    assert in_conversation[0] == in_conversation[1] and len(charter.queue.list()) == 3


def test_two_closures_of_one_factory_never_share_a_request(charter: Charter) -> None:
    """Found by review: two closures of one factory hold the same action under one name, and
    sharing the first's pending request resumed the first closure for the second caller (the
    wrong account refunded, the right one never). Each guarded object files its own."""
    ledger: list[str] = []

    def refunder(account: str):  # type: ignore[no-untyped-def]
        @charter.guard.tool
        def issue_refund(order_id: str, amount: float) -> str:
            ledger.append(account)
            return f"refunded from {account}"

        return issue_refund

    from_x, from_y = refunder("ACCOUNT-X"), refunder("ACCOUNT-Y")
    tickets = []
    for refund in (from_x, from_y):
        with charter_pkg.context(user="u-1"), pytest.raises(ApprovalPending) as held:
            refund("A-1", 900.0)
        tickets.append(held.value.ticket)
    assert tickets[0] != tickets[1] and len(charter.queue.list()) == 2
    charter.queue.approve(tickets[1], "alice", reason="ok")
    with charter_pkg.context(user="u-1"):
        assert charter.resume(tickets[1]) == "refunded from ACCOUNT-Y"
    assert ledger == ["ACCOUNT-Y"]
