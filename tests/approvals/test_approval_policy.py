"""Authorization by the policy (regorus): `can_approve`, `reasons`, reviewers from policy
data, failing closed, and the queue's own four-eyes checks behind a permissive policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from charter.approvals import ApprovalState, PolicyAuthorizer, Reviewer, ReviewerDirectory
from charter.approvals.queue import ApprovalQueue
from charter.config import DEFAULT_POLICIES
from charter.decision import Approvers
from charter.errors import NotAuthorized, PolicyEvaluationError
from charter.policy.embedded import EmbeddedEngine
from tests.approvals.helpers import APPROVALS_REGO, MAIN_REGO, REVIEWERS, make_request, submit


def _engine(approvals_rego: str | None = APPROVALS_REGO) -> EmbeddedEngine:
    modules = {"main.rego": MAIN_REGO}
    if approvals_rego is not None:
        modules["approvals.rego"] = approvals_rego
    return EmbeddedEngine.from_sources(modules, data={"charter": {"reviewers": REVIEWERS}})


@pytest.fixture
def policy_queue(store_url: str) -> Iterator[ApprovalQueue]:
    with ApprovalQueue.from_policy(store_url, _engine()) as queue:
        yield queue


def test_reviewers_come_from_policy_data() -> None:
    directory = ReviewerDirectory.from_policy(_engine())
    assert directory.get("bob") == Reviewer(id="bob", roles=("finance",), tenants=("acme",))
    assert "data.charter.reviewers" in directory.source


def test_reviewers_from_policy_follow_a_policy_reload() -> None:
    engine = _engine()
    directory = ReviewerDirectory.from_policy(engine)
    assert "zoe" not in directory
    replacement = EmbeddedEngine.from_sources(
        {"main.rego": MAIN_REGO, "approvals.rego": APPROVALS_REGO},
        data={"charter": {"reviewers": {"zoe": {"roles": ["finance"]}}}},
    )
    engine.swap(replacement.bundle)
    assert directory.get("zoe").roles == ("finance",)
    with pytest.raises(NotAuthorized, match="unknown reviewer 'alice'"):
        directory.get("alice")


def test_policy_allows_a_reviewer_with_the_role(policy_queue: ApprovalQueue) -> None:
    ticket = submit(policy_queue).id
    assert policy_queue.approve(ticket, "alice").state is ApprovalState.APPROVED


def test_policy_refusal_carries_the_policys_reasons(policy_queue: ApprovalQueue) -> None:
    ticket = submit(policy_queue).id
    with pytest.raises(NotAuthorized, match="needs one of roles finance"):
        policy_queue.approve(ticket, "carol")
    assert "needs one of roles finance" in policy_queue.get(ticket).refusals[-1].why


def test_claimed_roles_are_ignored_in_favour_of_the_directory(
    policy_queue: ApprovalQueue,
) -> None:
    ticket = submit(policy_queue).id
    with pytest.raises(NotAuthorized, match="needs one of roles finance"):
        policy_queue.approve(ticket, Reviewer(id="carol", roles=("finance", "admin")))


def test_the_queue_refuses_self_approval_and_double_votes_whatever_the_policy_says(
    store_url: str,
) -> None:
    anything_goes = "package charter.approvals\nimport rego.v1\ncan_approve := true\n"
    with ApprovalQueue.from_policy(store_url, _engine(anything_goes)) as queue:
        ticket = submit(queue, min_approvals=2).id
        with pytest.raises(NotAuthorized, match="own request"):
            queue.approve(ticket, "user-7")
        queue.approve(ticket, "alice")
        with pytest.raises(NotAuthorized, match="already voted"):
            queue.approve(ticket, "alice")
        assert queue.get(ticket).approvals == 1


def test_a_policy_without_can_approve_allows_nobody(store_url: str) -> None:
    with ApprovalQueue.from_policy(store_url, _engine(None)) as queue:
        ticket = submit(queue).id
        with pytest.raises(NotAuthorized, match=r"does not define data\.charter\.approvals"):
            queue.approve(ticket, "alice")


@pytest.mark.parametrize("answer", ['"yes"', "1", '{"allowed": true}'])
def test_only_an_exact_true_allows(answer: str) -> None:
    rego = f"package charter.approvals\nimport rego.v1\ncan_approve := {answer}\n"
    authorizer = PolicyAuthorizer(_engine(rego))
    request = make_request()
    result = authorizer.authorize(Reviewer(id="alice", roles=("finance",)), request)
    assert not result.allowed
    assert "does not allow it" in result.reasons[0]


class _BrokenEngine:
    """A policy engine whose evaluation fails (as a remote OPA can): the fake stands in for
    a remote engine only; the result must be a refusal, never an approval."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def query(self, path: str, input: Any = None) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PolicyEvaluationError("evaluating data.charter.approvals.can_approve: boom"), "boom"),
        (ConnectionError("refused"), "(ConnectionError)"),
    ],
)
def test_an_engine_that_fails_refuses(error: Exception, reason: str) -> None:
    authorizer = PolicyAuthorizer(_BrokenEngine(error))  # type: ignore[arg-type]
    result = authorizer.authorize(Reviewer(id="alice", roles=("finance",)), make_request())
    assert not result.allowed
    assert "could not be evaluated" in result.reasons[0] and reason in result.reasons[0]


def test_policy_sees_the_request_without_the_action(store_url: str) -> None:
    seen: list[dict[str, Any]] = []
    engine = _engine()

    class Recording(PolicyAuthorizer):
        def authorize(self, reviewer: Reviewer, request: Any) -> Any:
            seen.append({"reviewer": reviewer.policy_view(), "request": request.policy_view()})
            return super().authorize(reviewer, request)

    with ApprovalQueue(
        store_url, authorizer=Recording(engine), directory=ReviewerDirectory.from_policy(engine)
    ) as queue:
        ticket = submit(queue).id
        queue.approve(ticket, "alice")
    [document] = seen
    assert document["reviewer"] == {"id": "alice", "roles": ["finance"], "tenants": ["*"]}
    assert document["request"]["id"] == ticket
    assert document["request"]["requester"] == "user-7"
    assert "IBAN" not in repr(document)


def test_the_shipped_bundle_authorizes_with_the_same_input_shape(store_url: str) -> None:
    engine = EmbeddedEngine(DEFAULT_POLICIES)
    directory = ReviewerDirectory.from_policy(engine)
    insider = next(r for r in directory if r.roles and "*" in r.tenants)
    role = insider.roles[0]
    outsider = next(r for r in directory if role not in r.roles)
    with ApprovalQueue.from_policy(store_url, engine) as queue:
        ticket = submit(queue, approvers=Approvers(roles=(role,)), min_approvals=1).id
        with pytest.raises(NotAuthorized, match=f"may not decide request {ticket}"):
            queue.approve(ticket, outsider.id)
        own = submit(queue, requester=insider.id, approvers=Approvers(roles=(role,))).id
        with pytest.raises(NotAuthorized, match="own request"):
            queue.approve(own, insider.id)
        assert queue.approve(ticket, insider.id).state is ApprovalState.APPROVED
