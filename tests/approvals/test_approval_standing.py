"""A vote counts where the approval is used only if the using app's own policy accepts its
reviewer: `charter approvals approve` is unscoped, so app B's operator, with B's bundle,
could approve app A's held refund as a reviewer only B trusts, and A's resume ran it
(found by review). The README tour flow (`--as alice` with A's bundle) still resumes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from charter.approvals import ApprovalState, EventKind
from charter.approvals.queue import ApprovalQueue
from charter.cli.approvals import app
from charter.config import DEFAULT_POLICIES
from charter.decision import Approvers
from charter.errors import ApprovalPending, NotAuthorized
from charter.guard import Charter
from charter.policy.embedded import EmbeddedEngine
from charter.testing import make_charter
from tests.approvals.helpers import (
    ACTION,
    APPROVALS_REGO,
    MAIN_REGO,
    REVIEWERS,
    ManualClock,
    action_hash,
    submit,
)

runner = CliRunner()


def _bundle(tmp_path: Path, reviewers: dict[str, Any]) -> str:
    """The shipped bundle with another reviewer directory: app B's configuration."""
    root = tmp_path / "bundle_b"
    shutil.copytree(DEFAULT_POLICIES / "charter", root / "charter")
    data = json.loads((root / "charter" / "data.json").read_text())
    (root / "charter" / "data.json").write_text(json.dumps({**data, "reviewers": reviewers}))
    return str(root)


def _held_refund(charter: Charter, ran: list[float]) -> str:
    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return f"refunded {amount} on {order_id}"

    try:
        issue_refund("A-17", 900.0)
    except ApprovalPending as held:
        return held.ticket
    raise AssertionError("the refund over the limit was not held")


def _approve(ticket: str, who: str, store: str, policies: str) -> str:
    args = ["approve", ticket, "--as", who, "--reason", "ok", "--store", store]
    result = runner.invoke(app, [*args, "--policies", policies])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("b_trusts", "why"),
    [
        (
            {"mallory": {"roles": ["finance"], "tenants": ["*"]}},
            "mallory \\(not in this app's reviewer directory",
        ),
        # carol is A's reviewer too, but A's policy gives her no finance role
        (
            {"carol": {"roles": ["finance"], "tenants": ["*"]}},
            "carol \\(role not authorized: needs one of \\[finance",
        ),
    ],
)
def test_a_vote_cast_under_another_apps_policy_does_not_release_the_call(
    tmp_path: Path, store_url: str, b_trusts: dict[str, Any], why: str
) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, store_url=store_url)
    ran: list[float] = []
    try:
        ticket = _held_refund(charter, ran)
        reviewer = next(iter(b_trusts))
        assert "now approved" in _approve(ticket, reviewer, store_url, _bundle(tmp_path, b_trusts))
        with pytest.raises(NotAuthorized, match=f"do not count: {why}.*0 of the 1 approvals"):
            charter.resume(ticket)
        assert ran == []
        request = charter.queue.get(ticket)
        assert request.consumed_at is None
        assert "do not count" in request.refusals[-1].why
    finally:
        charter.close()


def test_the_readme_flow_approved_by_the_apps_own_reviewer_still_resumes(
    tmp_path: Path, store_url: str
) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, store_url=store_url)
    ran: list[float] = []
    try:
        ticket = _held_refund(charter, ran)
        _approve(ticket, "alice", store_url, str(DEFAULT_POLICIES))
        assert charter.resume(ticket) == "refunded 900.0 on A-17" and ran == [900.0]
    finally:
        charter.close()


def _engine(reviewers: dict[str, Any]) -> EmbeddedEngine:
    modules = {"main.rego": MAIN_REGO, "approvals.rego": APPROVALS_REGO}
    return EmbeddedEngine.from_sources(modules, data={"charter": {"reviewers": reviewers}})


def test_two_of_two_with_one_foreign_vote_is_refused(store_url: str) -> None:
    own = ApprovalQueue.from_policy(store_url, _engine(REVIEWERS))
    other = ApprovalQueue.from_policy(store_url, _engine({"mallory": {"roles": ["finance"]}}))
    with own, other:
        ticket = submit(own, min_approvals=2).id
        own.approve(ticket, "alice")
        assert other.approve(ticket, "mallory").state is ApprovalState.APPROVED
        with pytest.raises(NotAuthorized, match="1 of the 2 approvals"):
            own.consume(ticket, action_hash(ACTION))
        assert own.get(ticket).history[-1].kind is EventKind.REFUSED


def test_a_vote_cast_before_an_escalation_still_counts(store_url: str) -> None:
    """The escalation replaces the stored approvers; alice's earlier finance vote counts."""
    clock = ManualClock()
    with ApprovalQueue.from_policy(store_url, _engine(REVIEWERS), clock=clock) as queue:
        ticket = submit(
            queue,
            min_approvals=2,
            on_timeout="escalate",
            escalate_to=Approvers(roles=("compliance",)),
        ).id
        queue.approve(ticket, "alice")
        clock.advance(601)
        assert queue.approve(ticket, "dave").state is ApprovalState.APPROVED
        assert queue.consume(ticket, action_hash(ACTION)).consumed_at is not None


def test_a_foreign_vote_cast_before_an_escalation_is_refused(store_url: str) -> None:
    """App B's operator votes as carol (finance in B, support in A) before the escalation:
    the vote is re-checked against the approvers it was cast under, so A refuses it."""
    clock = ManualClock()
    own = ApprovalQueue.from_policy(store_url, _engine(REVIEWERS), clock=clock)
    b_carol = {"carol": {"roles": ["finance"], "tenants": ["*"]}}
    other = ApprovalQueue.from_policy(store_url, _engine(b_carol), clock=clock)
    with own, other:
        ticket = submit(
            own,
            min_approvals=2,
            on_timeout="escalate",
            escalate_to=Approvers(roles=("compliance",)),
        ).id
        other.approve(ticket, "carol")
        clock.advance(601)
        assert own.approve(ticket, "dave").state is ApprovalState.APPROVED
        with pytest.raises(NotAuthorized, match=r"do not count: carol .*1 of the 2 approvals"):
            own.consume(ticket, action_hash(ACTION))
        assert own.get(ticket).consumed_at is None
        assert own.get(ticket).history[-1].kind is EventKind.REFUSED
