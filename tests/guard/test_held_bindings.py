"""What binds a held call to the approval that releases it, found by reviewing the change
that kept non-JSON calls live and bound approvals to their values: the approval covers an
LLM call's other arguments JSON or not; a call kept live is checked by the policy again
before it runs; an object changed since the hold is refused; and under an approval key, a
second object with the same call never takes over the first one's approved ticket."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text as sql_text

import charter
from charter.errors import ActionMismatch, ApprovalPending, ApprovalRejected, ApprovalTimeout
from charter.guard import Charter
from charter.testing import make_charter
from tests.guard.test_drivers import hold_bundle


def _charter(tmp_path: Path, **settings: Any) -> Charter:
    """On a bundle that holds any call whose text says "hold" for one of olga's group."""
    return make_charter(hold_bundle(tmp_path), tmp_path, pii_mode="pattern", **settings)


@pytest.fixture
def ch(tmp_path: Path) -> Charter:
    return _charter(tmp_path)


def _accounts(ch: Charter) -> tuple[Any, Any]:
    """Two objects of one class whose guarded method makes the same call from another
    account: jane's and mallory's."""

    class Payments:
        def __init__(self, account: str) -> None:
            self.account = account

        @ch.guard.tool(name="note")
        def note(self, text: str) -> str:
            return f"ran from {self.account}"

    return Payments("ACC-jane"), Payments("ACC-mallory")


@dataclass
class Payee:
    url: str


@dataclass
class Order:
    to: str
    amount: int


def _held(call: object) -> str:
    with pytest.raises(ApprovalPending) as info:
        call()  # type: ignore[operator]
    return info.value.ticket


def test_an_llm_calls_other_arguments_bind_its_approval_json_or_not(ch: Charter) -> None:
    ran: list[str] = []

    @ch.guard(model="m", provider="openai")
    def pay(prompt: str, payee: Payee) -> str:
        ran.append(payee.url)
        return "paid"

    with charter.context(user="u-9", approval_key="order-77"):
        first = _held(lambda: pay("please hold this payment", Payee("https://pay.example/jane")))
        ch.queue.approve(first, "olga", reason="jane's own page")
        second = _held(lambda: pay("please hold this payment", Payee("https://evil.example/x")))
        assert second != first  # another payee is another action, not the approved one
        assert ch.resume(first) == "paid"
    assert ran == ["https://pay.example/jane"]


def test_a_call_kept_live_is_checked_by_the_policy_before_it_resumes(ch: Charter) -> None:
    @ch.guard.tool(name="note")
    def note(text: str, ref: Payee) -> str:
        return "noted"

    ticket = _held(lambda: note("hold this", Payee("r-1")))
    assert "call" not in ch.queue.get(ticket).action  # kept live, not stored
    with ch.queue.engine.begin() as conn:  # the approvers edited: interns may now approve
        conn.execute(
            sql_text("update charter_approval_request set approvers = :a where id = :id"),
            {"a": json.dumps({"roles": ["interns"], "users": []}), "id": ticket},
        )
    ch.queue.approve(ticket, "olga", reason="fine")
    with pytest.raises(ApprovalRejected, match="does not meet what the policy asks"):
        ch.resume(ticket)
    assert ch.queue.get(ticket).consumed_at is None


def test_an_object_changed_since_the_hold_where_the_checks_read_it_is_refused(
    ch: Charter,
) -> None:
    """A dataclass is read by its fields: changed after the hold, its call is refused. (A
    plain object is read by its text, so a change its text does not show is not seen: its
    pickled state was tried, and caches and ORM load state changed it for an unchanged
    object, so an approved call could never run; see the README.)"""
    sent: list[tuple[str, int]] = []

    @ch.guard.tool(name="note")
    def note(text: str, transfer: Order) -> str:
        sent.append((transfer.to, transfer.amount))
        return "sent"

    transfer = Order("jane", 900)
    ticket = _held(lambda: note("hold this transfer", transfer))
    ch.queue.approve(ticket, "olga", reason="jane, 900")
    transfer.to, transfer.amount = "mallory", 450_000
    with pytest.raises(ActionMismatch):
        ch.resume(ticket)
    assert sent == []


def test_under_one_key_another_objects_call_does_not_take_over_the_ticket(
    ch: Charter,
) -> None:
    jane, mallory = _accounts(ch)
    with charter.context(user="u-9", approval_key="k-1"):
        ticket = _held(lambda: jane.note("hold refund 900"))
        ch.queue.approve(ticket, "olga", reason="jane verified")
        with pytest.raises(ApprovalPending):
            mallory.note("hold refund 900")
        assert ch.resume(ticket) == "ran from ACC-jane"


def test_under_one_key_another_objects_call_waits_for_its_own_approval(
    tmp_path: Path,
) -> None:
    """Found by the second review: with approval_mode="wait", the keyed re-run of another
    object's same call found the first one's approved request and ran at once."""
    ch = _charter(tmp_path, approval_mode="wait", approval_wait_s=0.05)

    jane, mallory = _accounts(ch)
    with charter.context(user="u-9", approval_key="k-1"):
        with pytest.raises(ApprovalTimeout):
            jane.note("hold refund 900")
        [first] = ch.queue.list()
        ch.queue.approve(first.id, "olga", reason="jane verified")
        with pytest.raises(ApprovalTimeout):  # its own request, pending: nothing ran
            mallory.note("hold refund 900")
    assert len(ch.queue.list()) == 2


def test_an_argument_whose_own_serialiser_fails_is_held_not_raised(ch: Charter) -> None:
    """Found by the second review: the values digest let a model's own serialisation error
    (a field holding a client object) escape from every held call."""
    from pydantic import BaseModel, ConfigDict

    class Client:
        pass

    class Options(BaseModel):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        client: Client

    @ch.guard(model="m", provider="openai")
    def pay(prompt: str, options: Options) -> str:
        return "paid"

    assert pay("hello", Options(client=Client())) == "paid"
    _held(lambda: pay("please hold this payment", Options(client=Client())))
