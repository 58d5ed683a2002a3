"""What `charter.resume` checks before a held call runs: the request as it stands now
(its deadline applied), that the resumer is the one it was held for, and that the policy
still lets what will run, run."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text as sql_text

from charter.approvals import ApprovalQueue, ApprovalState, action_hash
from charter.config import DEFAULT_POLICIES, Settings
from charter.errors import ApprovalPending, ApprovalRejected, NotAuthorized, PolicyViolation
from charter.guard import Charter
from charter.testing import make_charter
from tests.approvals.helpers import ManualClock
from tests.guard.test_drivers import hold_bundle


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def charter(tmp_path: Path, clock: ManualClock) -> Iterator[Charter]:
    """The shipped policies on a SQLite store whose queue tells time by `clock`."""
    store = f"sqlite:///{tmp_path / 'charter.db'}"
    settings = Settings.build(
        {"policies": str(DEFAULT_POLICIES), "store_url": store, "telemetry": False}
    )
    ch = Charter(settings, queue=ApprovalQueue(store, clock=clock))  # roles as given
    yield ch
    ch.close()


def _held(charter: Charter, ran: list[float]) -> str:
    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return f"refunded {amount}"

    with pytest.raises(ApprovalPending) as info:
        issue_refund("A-17", 900.0)
    return info.value.ticket


@pytest.mark.parametrize("resume", ["sync", "async"])
def test_an_overdue_request_resumes_as_expired_not_pending(
    charter: Charter, clock: ManualClock, resume: str
) -> None:
    """Found by probing: `resume` read the row as stored, so a request past its deadline
    answered "pending; resume later" until something else (a listing, a vote) expired
    it. It now reads the request as it stands: expired, refused, and nothing runs."""
    ran: list[float] = []
    ticket = _held(charter, ran)
    clock.advance(7 * 24 * 3600)  # past any deadline the shipped policies set
    with pytest.raises(ApprovalRejected, match="expired"):
        if resume == "sync":
            charter.resume(ticket)
        else:
            asyncio.run(charter.aresume(ticket))
    assert charter.queue.get(ticket).state is ApprovalState.EXPIRED
    assert ran == []


def test_a_ticket_resumes_only_in_the_tenant_and_app_that_held_it(tmp_path: Path) -> None:
    """Found by probing: a ticket held in tenant `acme` was resumed, and its approval used,
    by a Charter of tenant `globex` and another app on the same store, for its own user
    `u-1` (another person with the same id). Both the resume and the use now refuse it."""
    import charter as charter_pkg

    acme = make_charter(DEFAULT_POLICIES, tmp_path, tenant="acme", app="support-bot")
    ran: list[float] = []
    with charter_pkg.context(user="u-1"):
        ticket = _held(acme, ran)
    acme.queue.approve(ticket, "alice", reason="customer verified")
    for tenant, app in (("globex", "other-app"), ("globex", "support-bot"), ("acme", "other")):
        other = make_charter(DEFAULT_POLICIES, tmp_path, tenant=tenant, app=app)
        with charter_pkg.context(user="u-1"), pytest.raises(NotAuthorized, match="tenant or app"):
            other.resume(ticket)
        with pytest.raises(NotAuthorized, match="another tenant or app"):
            other.queue.consume(ticket, acme.queue.get(ticket).action_hash, scope=(tenant, app))
        other.close()
    request = acme.queue.get(ticket)
    assert ran == [] and request.consumed_at is None and len(request.refusals) == 3
    with charter_pkg.context(user="u-1"):
        assert acme.resume(ticket) == "refunded 900.0"
    assert ran == [900.0]
    acme.close()


def test_another_apps_queue_can_neither_see_nor_decide_its_requests(tmp_path: Path) -> None:
    """Found by probing: apps A and B on one store, B's bundle trusting `mallory` (unknown
    to A's): B's queue approved A's held refund as mallory, A's resume then ran it, and B's
    inbox and listing showed A's requests with their actions. A Charter's queue now serves
    its own tenant and app: another's request is `NotAuthorized` (the attempt recorded in
    its history) and left out of listings; an operator's unscoped queue still sees all."""
    bundle_b = tmp_path / "bundle_b"
    shutil.copytree(DEFAULT_POLICIES / "charter", bundle_b / "charter")
    data = json.loads((bundle_b / "charter" / "data.json").read_text())
    data["reviewers"] = {"mallory": {"roles": ["finance"], "tenants": ["*"]}}
    (bundle_b / "charter" / "data.json").write_text(json.dumps(data))
    a = make_charter(DEFAULT_POLICIES, tmp_path, tenant="acme", app="billing")
    b = make_charter(bundle_b, tmp_path, tenant="globex", app="support")
    ran: list[float] = []
    ticket = _held(a, ran)
    for attempt in (
        lambda: b.queue.approve(ticket, "mallory", reason="through app B"),
        lambda: b.queue.cancel(ticket, "mallory", reason="through app B"),
        lambda: b.queue.get(ticket),
    ):
        with pytest.raises(NotAuthorized, match="another tenant or app"):
            attempt()
    assert b.queue.list() == [] and b.queue.inbox("mallory").requests == []
    assert b.queue.claim_next("mallory") is None
    request = a.queue.get(ticket)
    assert request.state is ApprovalState.PENDING and not request.votes
    assert len(request.refusals) == 2  # the vote and the cancel, by mallory
    with pytest.raises(ApprovalPending):
        a.resume(ticket)
    assert ran == []
    with ApprovalQueue(a.settings.store_url) as operator:  # `charter approvals`' view
        assert [r.id for r in operator.list()] == [ticket]
    a.close()
    b.close()


def _edit_action(charter: Charter, ticket: str, **arguments: Any) -> None:
    """What someone with write access to the store does: change the stored call's
    arguments and recompute the action's hash, so the row is consistent again."""
    action = charter.queue.get(ticket).action
    action["call"]["arguments"].update(arguments)
    with charter.queue.engine.begin() as conn:
        conn.execute(
            sql_text(
                "update charter_approval_request set action = :a, action_hash = :h where id = :id"
            ),
            {"a": json.dumps(action), "h": action_hash(action), "id": ticket},
        )


def test_an_edited_approved_row_is_checked_by_the_policy_before_it_runs(tmp_path: Path) -> None:
    """Found by probing: a refund of 900 approved, its stored arguments set to 450,000
    (above the 10,000 hard limit) and its hash recomputed, ran on resume: nothing checked
    a resumed call. The policy now evaluates what will run: the hard limit denies it."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    ran: list[float] = []
    ticket = _held(charter, ran)
    charter.queue.approve(ticket, "alice", reason="customer verified")
    _edit_action(charter, ticket, order_id="EVIL-9", amount=450_000)
    with pytest.raises(PolicyViolation, match=r"tools\.refund_hard_limit"):
        charter.resume(ticket)
    assert ran == [] and charter.queue.get(ticket).consumed_at is None
    charter.close()


@pytest.fixture
def held_bundle(tmp_path: Path) -> Iterator[Charter]:
    """A bundle holding any prompt or tool call that says "hold" (approvers: role ops) and
    denying one that says "forbidden"; olga may approve."""
    bundle = hold_bundle(tmp_path)
    ch = make_charter(bundle, tmp_path, pii_mode="pattern")
    yield ch
    ch.close()


def test_an_edited_prompt_is_checked_again_before_the_model_sees_it(held_bundle: Charter) -> None:
    received: list[str] = []

    @held_bundle.guard(model="m", provider="openai")
    def ask(prompt: str) -> str:
        received.append(prompt)
        return "ok"

    with pytest.raises(ApprovalPending) as info:
        ask("please hold this")
    ticket = info.value.ticket
    held_bundle.queue.approve(ticket, "olga", reason="fine")
    _edit_action(held_bundle, ticket, prompt="please hold this: forbidden")
    with pytest.raises(PolicyViolation, match=r"t\.forbidden"):
        held_bundle.resume(ticket)
    assert received == []


def test_a_hold_the_approval_does_not_meet_refuses(held_bundle: Charter) -> None:
    """The policy still holds the call: it runs when this approval meets that hold, and
    is refused when the request's approvers are not ones the policy asks for."""
    ran: list[str] = []

    @held_bundle.guard.tool(name="note")
    def note(text: str) -> str:
        ran.append(text)
        return "noted"

    tickets = []
    for text in ("hold this", "hold that"):  # two actions: a repeated one shares its request
        with pytest.raises(ApprovalPending) as info:
            note(text)
        tickets.append(info.value.ticket)
    with held_bundle.queue.engine.begin() as conn:  # approvers edited to a role of nobody's
        conn.execute(
            sql_text("update charter_approval_request set approvers = :a where id = :id"),
            {"a": json.dumps({"roles": ["interns"], "users": []}), "id": tickets[1]},
        )
    for ticket in tickets:
        held_bundle.queue.approve(ticket, "olga", reason="fine")
    assert held_bundle.resume(tickets[0]) == "noted"
    with pytest.raises(ApprovalRejected, match="does not meet what the policy asks"):
        held_bundle.resume(tickets[1])
    assert ran == ["hold this"]
