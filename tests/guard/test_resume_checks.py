"""What `charter.resume` checks before a held call runs: the request as it stands now
(its deadline applied), and that the resumer is the one it was held for."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from charter.approvals import ApprovalQueue, ApprovalState
from charter.config import DEFAULT_POLICIES, Settings
from charter.errors import ApprovalPending, ApprovalRejected, NotAuthorized
from charter.guard import Charter
from charter.testing import make_charter
from tests.approvals.helpers import ManualClock


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
