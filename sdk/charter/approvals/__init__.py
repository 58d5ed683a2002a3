"""Human-in-the-loop approval queues: durable, authorized, four-eyes, bound to the action.

`ApprovalQueue` (the database-backed part) and `queue_from_settings` (the queue the
settings describe) load on first use, so importing the value types here stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from charter.approvals.authz import Authorizer, AuthzResult, PolicyAuthorizer, RoleAuthorizer
from charter.approvals.directory import ReviewerDirectory
from charter.approvals.models import (
    ApprovalRequest,
    ApprovalState,
    EventKind,
    HistoryEntry,
    Reviewer,
    Vote,
    action_hash,
    canonical_action,
)

if TYPE_CHECKING:
    from charter.approvals.configured import queue_from_settings
    from charter.approvals.queue import ApprovalQueue
    from charter.pseudonyms import Pseudonyms

__all__ = [
    "ApprovalQueue",
    "ApprovalRequest",
    "ApprovalState",
    "Authorizer",
    "AuthzResult",
    "EventKind",
    "HistoryEntry",
    "PolicyAuthorizer",
    "Reviewer",
    "ReviewerDirectory",
    "RoleAuthorizer",
    "Vote",
    "action_hash",
    "can_approve",
    "canonical_action",
    "queue_from_settings",
]


def can_approve(
    reviewer: Reviewer,
    request: ApprovalRequest,
    authorizer: Authorizer | None = None,
    pseudonyms: Pseudonyms | None = None,
) -> AuthzResult:
    """May `reviewer` vote on `request` now? The queue's own checks (pending, not their own
    request, not voted yet) and then the authorizer's (default: the request's roles).
    `pseudonyms`: the queue's (`ApprovalQueue.pseudonyms`), to know a hashed requester."""
    from charter.approvals.lifecycle import vote_refusal
    from charter.pseudonyms import UNKEYED

    refusal = vote_refusal(request, reviewer, authorizer or RoleAuthorizer(), pseudonyms or UNKEYED)
    return AuthzResult(refusal is None, () if refusal is None else (str(refusal),))


def __getattr__(name: str) -> Any:
    if name == "ApprovalQueue":
        from charter.approvals.queue import ApprovalQueue

        return ApprovalQueue
    if name == "queue_from_settings":
        from charter.approvals.configured import queue_from_settings

        return queue_from_settings
    raise AttributeError(f"module 'charter.approvals' has no attribute {name!r}")
