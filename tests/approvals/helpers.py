"""Shared values for the approval tests: reviewers, a manual clock, a small Rego policy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy import text as sql_text

from charter.approvals import ApprovalRequest, ApprovalState, ReviewerDirectory, action_hash
from charter.approvals.queue import ApprovalQueue
from charter.decision import ApprovalSpec, Approvers
from charter.policy.embedded import EmbeddedEngine
from charter.store.approval_tables import REQUESTS
from tests.policy.opa_server import serve_opa

REVIEWERS: dict[str, Any] = {
    "alice": {"roles": ["finance"], "tenants": ["*"]},
    "bob": {"roles": ["finance"], "tenants": ["acme"]},
    "carol": {"roles": ["support"], "tenants": ["*"]},
    "dave": {"roles": ["compliance"], "tenants": ["*"]},
    "erin": {"roles": ["finance", "compliance"], "tenants": ["*"]},
    "user-7": {"roles": ["finance"], "tenants": ["*"]},
}
"""`user-7` is also the requester of `submit()`'s default request (self-approval tests)."""

ACTION: dict[str, Any] = {
    "kind": "tool_call",
    "function": "bank.tools:pay",
    "model": {"provider": "offline", "name": "echo"},
    "text": "Pay invoice 77 for <PERSON_1> to <IBAN_CODE_1>",
    "tool": {"name": "pay", "arguments": {"iban": "<IBAN_CODE_1>", "eur": 900}},
}

MAIN_REGO = """
package charter.main
import rego.v1
default decision := {"action": "allow"}
"""

APPROVALS_REGO = """
package charter.approvals
import rego.v1

# Trusts input.reviewer: the queue resolves it from the reviewer directory (policy data or
# a reviewers file), never from the caller's claim. Deliberately silent on self-approval
# and double votes: the queue must refuse those itself.
roles := {r | some r in input.reviewer.roles}
needed := {r | some r in input.request.approvers.roles}

default can_approve := false

can_approve if {
    count(roles & needed) > 0
    input.request.state == "pending"
}

reasons contains msg if {
    count(roles & needed) == 0
    msg := sprintf("needs one of roles %v", [concat(", ", sort(needed))])
}
"""


@dataclass
class ManualClock:
    """A clock the test moves by hand, so deadlines pass without sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2030, 1, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def directory() -> ReviewerDirectory:
    return ReviewerDirectory.from_mapping(REVIEWERS, source="tests")


def spec(**overrides: Any) -> ApprovalSpec:
    values: dict[str, Any] = {
        "reason": "payment over 500 EUR",
        "approvers": Approvers(roles=("finance",)),
        "min_approvals": 1,
        "timeout_s": 600,
    }
    values.update(overrides)
    return ApprovalSpec(**values)


def submit(
    queue: ApprovalQueue,
    *,
    action: dict[str, Any] | None = None,
    requester: str = "user-7",
    tenant: str = "acme",
    **spec_overrides: Any,
) -> ApprovalRequest:
    return queue.submit(
        spec=spec(**spec_overrides),
        action=action or ACTION,
        requester=requester,
        tenant=tenant,
        app="payments-bot",
        rule="tools.payment_over_limit",
        decision_id="3f0c9f5e-0000-4000-8000-000000000001",
    )


def make_request(**overrides: Any) -> ApprovalRequest:
    """A request value built in memory (for authorizer and rule tests without a database)."""
    now = datetime(2030, 1, 1, tzinfo=UTC)
    values: dict[str, Any] = {
        "id": "apr_1",
        "state": ApprovalState.PENDING,
        "created_at": now,
        "expires_at": now,
        "requester": "user-7",
        "tenant": "acme",
        "app": "bot",
        "rule": "tools.pay",
        "approvers": Approvers(roles=("finance",)),
        "timeout_s": 60.0,
        "action": ACTION,
        "action_hash": action_hash(ACTION),
        "decision_id": "d1",
    }
    values.update(overrides)
    return ApprovalRequest(**values)


def mark_approved(queue: ApprovalQueue, ticket: str) -> None:
    """Set a request's state to approved in the database, as a hand edit would, with no
    vote behind it: the queue must not obey it."""
    with queue.engine.begin() as conn:
        conn.execute(
            sql_text("update charter_approval_request set state = 'approved' where id = :id"),
            {"id": ticket},
        )


def copies(queue: ApprovalQueue, ticket: str, count: int) -> list[str]:
    """`count` copies of request `ticket`, made at its time, in one statement: a crowd of
    pending requests without a write transaction each."""
    ids = [f"apr_{n:032x}" for n in range(1, count + 1)]
    with queue.engine.begin() as conn:
        row = conn.execute(select(REQUESTS).where(REQUESTS.c.id == ticket)).mappings().one()
        conn.execute(insert(REQUESTS), [{**row, "id": i} for i in ids])
    return ids


@contextmanager
def opa_reviewed_by(reviewers: Mapping[str, Any]) -> Iterator[str]:
    """The URL of a stand-in OPA server (no real one runs here) whose bundle is MAIN_REGO
    and APPROVALS_REGO with `reviewers` as its `data.charter.reviewers`."""
    modules = {"main.rego": MAIN_REGO, "approvals.rego": APPROVALS_REGO}
    engine = EmbeddedEngine.from_sources(modules, {"charter": {"reviewers": dict(reviewers)}})
    with serve_opa(engine) as (url, _):
        yield url
