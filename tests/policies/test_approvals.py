"""`data.charter.approvals.can_approve` and `reasons` on the shipped reviewers, through the
product's engine, and the invariant that a refusal always says why."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from charter.policy.base import CAN_APPROVE_PATH
from charter.policy.embedded import EmbeddedEngine

REASONS_PATH = "data.charter.approvals.reasons"


def _request(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "id": "req-42",
        "requester": "u-5e1c",
        "tenant": "acme-bank",
        "rule": "tools.refund_over_limit",
        "approvers": {"roles": ["finance"], "users": []},
        "state": "pending",
        "votes": [],
    }
    request.update(changes)
    return request


def _ask(engine: EmbeddedEngine, reviewer: str, request: dict[str, Any], roles: list[str]) -> Any:
    doc = {"reviewer": {"id": reviewer, "roles": roles}, "request": request}
    return engine.query(CAN_APPROVE_PATH, doc), set(engine.query(REASONS_PATH, doc) or [])


def test_finance_reviewer_approves_a_refund(engine: EmbeddedEngine) -> None:
    assert _ask(engine, "alice", _request(), ["finance"]) == (True, set())


def test_claimed_roles_do_not_count(engine: EmbeddedEngine) -> None:
    allowed, reasons = _ask(engine, "erin", _request(), ["finance", "admin"])
    assert allowed is False
    assert reasons == {"role not authorized: needs one of [finance] or to be named as an approver"}


def test_close_account_reviewers(engine: EmbeddedEngine) -> None:
    request = _request(
        rule="tools.close_account",
        approvers={"roles": ["support_lead", "compliance"]},
        votes=[{"reviewer": "carol", "verdict": "approve"}],
    )
    assert _ask(engine, "dave", request, [])[0] is True
    assert _ask(engine, "frank", request, [])[0] is True
    assert _ask(engine, "carol", request, [])[1] == {"reviewer has already voted on this request"}


def test_undefined_input_refuses(engine: EmbeddedEngine) -> None:
    allowed, reasons = _ask(engine, "", {}, [])
    assert allowed is False
    assert "unknown reviewer: not listed in data.charter.reviewers" in reasons


REVIEWERS = ["alice", "carol", "frank", "mallory"]
REQUESTS = {
    "refund": _request(),
    "refund_by_alice": _request(requester="alice"),
    "refund_voted_by_alice": _request(votes=[{"reviewer": "alice", "verdict": "approve"}]),
    "refund_approved": _request(state="approved"),
    "refund_named_carol": _request(approvers={"roles": [], "users": ["carol"]}),
    "close_account": _request(approvers={"roles": ["support_lead", "compliance"]}),
    "no_requester": {k: v for k, v in _request().items() if k != "requester"},
}


@pytest.mark.parametrize(("reviewer", "request_name"), list(itertools.product(REVIEWERS, REQUESTS)))
def test_refusal_always_has_a_reason(
    reviewer: str, request_name: str, engine: EmbeddedEngine
) -> None:
    allowed, reasons = _ask(engine, reviewer, REQUESTS[request_name], ["finance"])
    assert isinstance(allowed, bool)
    assert allowed == (not reasons), (allowed, reasons)


def test_expected_grid_outcomes(engine: EmbeddedEngine) -> None:
    allowed = {
        (reviewer, name)
        for reviewer, name in itertools.product(REVIEWERS, REQUESTS)
        if _ask(engine, reviewer, REQUESTS[name], ["finance"])[0]
    }
    assert allowed == {
        ("alice", "refund"),
        ("carol", "refund_named_carol"),
        ("carol", "close_account"),
        ("frank", "close_account"),
    }
