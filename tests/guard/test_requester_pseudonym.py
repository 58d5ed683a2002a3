"""A user id that looks like personal data (an e-mail address, a national id, a name) is
kept as a pseudonym in the approval queue, as telemetry and the decision log keep it.
Probing found it hashed there but stored raw as the request's requester and its first
event's actor, shown by `charter approvals show`. The pseudonym keeps both checks that
read the requester: its owner, in any spelling, still cannot decide the request, and only
that exact user resumes it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

import charter as charter_pkg
from charter.approvals import Reviewer
from charter.approvals.queue import ApprovalQueue
from charter.cli.approvals import app
from charter.errors import ApprovalError, ApprovalPending, NotAuthorized
from charter.guard import Charter

EMAIL = "jane.doe@example.com"
SPELLED = "JANE.DOE@EXAMPLE.COM\u200b"
"""The same id in another spelling: the four-eyes rule reads it as the same person."""
TCKN = "10000000146"


def _rows(store_url: str) -> str:
    engine = create_engine(store_url)
    with engine.connect() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t.startswith("charter_approval")]
        rows = [repr(tuple(r)) for t in tables for r in conn.execute(text(f'SELECT * FROM "{t}"'))]
    engine.dispose()
    assert rows
    return "\n".join(rows)


@pytest.mark.parametrize("user", [EMAIL, TCKN, "Jane Doe"])
def test_the_requester_is_stored_as_a_pseudonym(charter: Charter, user: str) -> None:
    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return "refunded"

    with charter_pkg.context(user=user), pytest.raises(ApprovalPending) as held:
        issue_refund("A-1", 900.0)
    request = charter.queue.get(held.value.ticket)
    assert request.requester.startswith("h-")
    assert request.history[0].by == request.requester
    assert user not in _rows(charter.settings.store_url)


def test_its_owner_cannot_decide_it_and_only_they_resume_it(charter: Charter) -> None:
    ran: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return "refunded"

    with charter_pkg.context(user=EMAIL), pytest.raises(ApprovalPending) as held:
        issue_refund("A-1", 900.0)
    ticket = held.value.ticket
    with ApprovalQueue(charter.settings.store_url) as trusting:  # reviewers taken as given
        for me in (EMAIL, SPELLED):
            with pytest.raises(NotAuthorized, match="cannot decide their own request"):
                trusting.approve(ticket, Reviewer(id=me, roles=("finance",)))
    charter.queue.approve(ticket, "alice", reason="customer verified")
    for other in ("john.roe@example.com", SPELLED):
        with charter_pkg.context(user=other), pytest.raises(NotAuthorized):
            charter.resume(ticket)
    assert ran == []
    with charter_pkg.context(user=EMAIL):
        assert charter.resume(ticket) == "refunded"
    assert ran == [900.0]


def test_who_cancelled_or_was_refused_is_a_pseudonym_too(charter: Charter) -> None:
    """Found by probing: the history kept the requester's pseudonym and, beside it, the raw
    id of whoever cancelled the request or was refused a vote (quoted in the refusal too),
    and `charter approvals show` printed it. Reviewers named `alice` stay readable."""

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        return "refunded"

    tickets = []
    for order in ("A-1", "A-2", "A-3"):  # three actions: the same one again reuses its request
        with charter_pkg.context(user=EMAIL), pytest.raises(ApprovalPending) as held:
            issue_refund(order, 900.0)
        tickets.append(held.value.ticket)
    cancelled, self_voted, voted = tickets
    charter.queue.cancel(cancelled, EMAIL, reason="customer withdrew")
    with pytest.raises(NotAuthorized, match="unknown reviewer"):
        charter.queue.approve(self_voted, EMAIL, reason="mine")  # not in the directory
    with (
        ApprovalQueue(charter.settings.store_url) as trusting,  # reviewers taken as given
        pytest.raises(NotAuthorized, match="cannot decide their own request"),
    ):
        trusting.approve(voted, Reviewer(id=EMAIL, roles=("finance",)))
    with pytest.raises(ApprovalError, match="already cancelled"):
        charter.queue.approve(cancelled, "alice", reason="too late")
    with pytest.raises(NotAuthorized, match="'carol' may not decide"):
        charter.queue.approve(voted, "carol", reason="not finance")

    assert EMAIL not in _rows(charter.settings.store_url)
    history = [e for t in tickets for e in charter.queue.get(t).history]
    requester = charter.queue.get(cancelled).requester
    assert [e.by for e in history if e.kind.value == "transition"] == [requester]
    refused = [e for e in history if e.kind.value == "refused"]
    assert [e.by for e in refused] == ["alice", requester, requester, "carol"]
    assert all(EMAIL not in e.why and "personal data, not shown" in e.why for e in refused[1:3])
    assert "reviewer 'carol' may not decide" in refused[3].why
    shown = CliRunner().invoke(app, ["show", cancelled, "--store", charter.settings.store_url])
    assert shown.exit_code == 0 and "cancelled" in shown.output and EMAIL not in shown.output
