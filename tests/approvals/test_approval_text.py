"""Ids and reasons the store cannot keep as given, the same on every backend (found by
probing, stop 56): on PostgreSQL a NUL in a reviewer's id or in a vote's reason failed the
step with "PostgreSQL text fields cannot contain NUL", so an unknown reviewer's attempt was
never recorded, while SQLite kept the NUL. A reviewer id with a control character or a lone
surrogate is refused and recorded (stored, like any text, with U+FFFD for a NUL or a
surrogate); a reason keeps its words, U+FFFD in place of the NUL."""

from __future__ import annotations

import pytest

from charter.approvals import ApprovalState
from charter.approvals._identity import requester_id
from charter.approvals.queue import ApprovalQueue
from charter.errors import NotAuthorized
from tests.approvals.helpers import submit


@pytest.mark.parametrize(
    ("reviewer", "recorded"),
    [
        ("alice\x00", "alice\ufffd"),
        ("mallory\x00", "mallory\ufffd"),
        ("alice\ud800", "alice\ufffd"),
        ("alice\n", None),  # whitespace reads as a name: its pseudonym (`requester_id`)
    ],
)
@pytest.mark.parametrize("verdict", ["approve", "reject"])
def test_a_reviewer_id_with_a_control_character_is_refused_and_recorded(
    queue: ApprovalQueue, reviewer: str, recorded: str | None, verdict: str
) -> None:
    ticket = submit(queue).id
    vote = getattr(queue, verdict)
    with pytest.raises(NotAuthorized, match="reviewer ids must be valid text"):
        vote(ticket, reviewer, reason="looks fine")  # main, PostgreSQL: StoreError
    request = queue.get(ticket)
    assert request.state is ApprovalState.PENDING and request.votes == ()
    assert [r.by for r in request.refusals] == [
        recorded or requester_id(reviewer, queue.pseudonyms)
    ]
    assert queue.refusal(request, reviewer) is not None  # an inbox shows it nothing
    with pytest.raises(NotAuthorized, match="reviewer ids must be valid text"):
        queue.claim_next(reviewer)


def test_a_reason_with_a_nul_is_kept_with_u_fffd_in_its_place(queue: ApprovalQueue) -> None:
    approved = queue.approve(submit(queue).id, "alice", reason="order\x00 verified")
    assert approved.state is ApprovalState.APPROVED  # main, PostgreSQL: StoreError
    assert [v.reason for v in approved.votes] == ["order\ufffd verified"]
    rejected = queue.reject(submit(queue).id, "alice", reason="no\x00")
    assert [v.reason for v in rejected.votes] == ["no\ufffd"]
    cancelled = queue.cancel(submit(queue).id, "ops\x00", reason="not\x00 needed")
    assert cancelled.state is ApprovalState.CANCELLED
    assert (cancelled.history[-1].by, cancelled.history[-1].why) == (
        "ops\ufffd",
        "not\ufffd needed",
    )
