"""The typed values of an approval: requests, votes, reviewers and their history.

A request is bound to the SHA-256 of its canonical action, so an approval can only ever be
used for the exact action a reviewer saw. The action is stored already redacted: reviewers
see placeholders such as `<EMAIL_ADDRESS_1>`, never the raw values. It is kept only while
it is needed (pending: reviewers read it; approved and unused: the app resumes from it);
then it is replaced by its digest, unless the app opted in to `store_content`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from charter._canonical import canonical_json, sha256_hex
from charter.decision import Approvers, Requirement
from charter.errors import ApprovalError

_FROZEN = ConfigDict(frozen=True)


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self is not ApprovalState.PENDING


class EventKind(StrEnum):
    """What a history entry records. `refused` entries leave the state unchanged."""

    CREATED = "created"
    VOTE = "vote"
    TRANSITION = "transition"
    ESCALATED = "escalated"
    CLAIMED = "claimed"
    CONSUMED = "consumed"
    REFUSED = "refused"


class Reviewer(BaseModel):
    """A person who may decide requests. Roles come from the reviewer directory."""

    model_config = _FROZEN

    id: str
    roles: tuple[str, ...] = ()
    tenants: tuple[str, ...] = ("*",)

    def policy_view(self) -> dict[str, Any]:
        return {"id": self.id, "roles": list(self.roles), "tenants": list(self.tenants)}


class Vote(BaseModel):
    model_config = _FROZEN

    reviewer: str
    verdict: Literal["approve", "reject"]
    reason: str = ""
    at: datetime
    counts_for: tuple[int, ...] = ()
    """The request's requirements (by index) the reviewer was authorized for when they
    voted: where several rules hold the request, the rules the vote counts toward."""
    approvers: Approvers | None = None
    """The request's approvers when the vote was cast (an escalation replaces the
    request's); None for votes recorded before they were stored."""


class HistoryEntry(BaseModel):
    """One recorded step: who (`by`), when, from which state to which, and why."""

    model_config = _FROZEN

    kind: EventKind
    by: str
    at: datetime
    from_state: ApprovalState | None
    """None for the entry that created the request."""
    to_state: ApprovalState
    why: str = ""


class ApprovalRequest(BaseModel):
    """A held action waiting for (or decided by) human review. `id` is the ticket."""

    model_config = _FROZEN

    id: str
    state: ApprovalState
    created_at: datetime
    expires_at: datetime
    """Pending: the deadline for a decision. Approved: until when it can be used
    (`lifecycle.use_deadline`); unused by then, it expires."""
    requester: str
    """The caller's pseudonym; they can never approve their own request."""
    tenant: str
    app: str
    rule: str
    """The rule id that asked for approval."""
    reason: str = ""
    approvers: Approvers
    min_approvals: int = 1
    timeout_s: float
    on_timeout: Literal["deny", "escalate"] = "deny"
    escalate_to: Approvers | None = None
    escalations: int = 0
    requirements: tuple[Requirement, ...] = ()
    """Each holding rule's approvers and count: with two or more, every one must be met.
    With fewer (and after an escalation, which clears them) `approvers` and
    `min_approvals` decide alone."""
    action: dict[str, Any]
    """The canonical, already-redacted action the reviewers are deciding on; once the
    request is settled, its digest unless `keep_action` (see `action_digest`)."""
    keep_action: bool = False
    """The app opted in to `store_content`: the action stays after the request is settled."""
    action_hash: str
    decision_id: str
    votes: tuple[Vote, ...] = ()
    consumed_at: datetime | None = None
    claimed_by: str | None = None
    history: tuple[HistoryEntry, ...] = ()

    @field_validator("requirements", mode="before")
    @classmethod
    def _null_is_none(cls, value: Any) -> Any:
        return () if value is None else value

    @property
    def approvals(self) -> int:
        return sum(1 for v in self.votes if v.verdict == "approve")

    @property
    def rejections(self) -> int:
        return sum(1 for v in self.votes if v.verdict == "reject")

    @property
    def refusals(self) -> tuple[HistoryEntry, ...]:
        return tuple(h for h in self.history if h.kind is EventKind.REFUSED)

    @property
    def transitions(self) -> tuple[HistoryEntry, ...]:
        return tuple(h for h in self.history if h.from_state != h.to_state)

    def policy_view(self) -> dict[str, Any]:
        """The `request` part of the `can_approve` input: no action text, no PII."""
        return {
            "id": self.id,
            "requester": self.requester,
            "tenant": self.tenant,
            "app": self.app,
            "rule": self.rule,
            "approvers": {"roles": list(self.approvers.roles), "users": list(self.approvers.users)},
            "min_approvals": self.min_approvals,
            "state": self.state.value,
            "votes": [{"reviewer": v.reviewer, "verdict": v.verdict} for v in self.votes],
        }


def canonical_action(action: Mapping[str, Any]) -> dict[str, Any]:
    """The action as plain JSON values, exactly as it is stored and hashed."""
    if not isinstance(action, Mapping):
        raise ApprovalError(
            f"the action to approve must be a mapping (kind, function, model, text, tool), "
            f"not {type(action).__name__}"
        )
    plain: dict[str, Any] = json.loads(canonical_json(_plain(action)))
    return plain


def action_hash(action: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical action: the same action hashes the same in every process."""
    return sha256_hex(canonical_action(action))


SETTLED = frozenset({ApprovalState.REJECTED, ApprovalState.EXPIRED, ApprovalState.CANCELLED})
"""States in which a request's action can no longer be decided or used (as after use)."""
WITHHELD = "withheld once the request was settled (store_content is off)"


def action_digest(action: Mapping[str, Any]) -> dict[str, Any]:
    """What a settled request keeps of its action by default: kind, function, model and
    tool name, no text or arguments (undetected personal data would sit in them). The
    `action_hash` column still binds the request to the exact action."""
    digest = {k: action[k] for k in ("kind", "function", "model") if k in action}
    tool = action.get("tool")
    if isinstance(tool, Mapping):
        digest["tool"] = {"name": tool.get("name")}
    digest["content"] = WITHHELD
    return digest


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def describe_approvers(approvers: Approvers) -> str:
    parts = []
    if approvers.roles:
        parts.append("roles " + ", ".join(approvers.roles))
    if approvers.users:
        parts.append("users " + ", ".join(approvers.users))
    return " or ".join(parts) or "nobody"
