"""Who may decide a request. The policy decides (`data.charter.approvals.can_approve`);
`RoleAuthorizer` is the Python fallback when no policy engine is configured.

Both fail closed: anything but an explicit yes is a no, with reasons a reviewer can act on.
The queue also refuses self-approval and double votes itself, whatever an authorizer says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from charter.approvals.models import ApprovalRequest, Reviewer, describe_approvers
from charter.errors import CharterError
from charter.policy.base import CAN_APPROVE_PATH, PolicyEngine

REASONS_PATH = "data.charter.approvals.reasons"


@dataclass(frozen=True)
class AuthzResult:
    allowed: bool
    reasons: tuple[str, ...] = ()


@runtime_checkable
class Authorizer(Protocol):
    def authorize(self, reviewer: Reviewer, request: ApprovalRequest) -> AuthzResult: ...


def tenant_allowed(reviewer: Reviewer, tenant: str) -> bool:
    return "*" in reviewer.tenants or tenant in reviewer.tenants


class RoleAuthorizer:
    """Allowed when the reviewer is a named approver or holds one of the approver roles."""

    def authorize(self, reviewer: Reviewer, request: ApprovalRequest) -> AuthzResult:
        approvers = request.approvers
        if not approvers.roles and not approvers.users:
            return AuthzResult(
                False,
                (
                    "the request names no approvers; the policy's approval.approvers must list "
                    "roles or users",
                ),
            )
        if not tenant_allowed(reviewer, request.tenant):
            return AuthzResult(False, (f"not a reviewer for tenant {request.tenant!r}",))
        if reviewer.id in approvers.users or set(reviewer.roles) & set(approvers.roles):
            return AuthzResult(True)
        held = ", ".join(reviewer.roles) or "none"
        return AuthzResult(
            False, (f"needs {describe_approvers(approvers)}; reviewer has roles {held}",)
        )


class PolicyAuthorizer:
    """Asks the policy: `can_approve` must be exactly `true`; `reasons` explains a no.

    Input: `{"reviewer": {"id", "roles", "tenants"}, "request": {...}}` where the roles are
    the directory's, never the caller's claim (the queue resolves reviewers first).
    """

    def __init__(
        self,
        engine: PolicyEngine,
        *,
        path: str = CAN_APPROVE_PATH,
        reasons_path: str = REASONS_PATH,
    ) -> None:
        self._engine = engine
        self._path = path
        self._reasons_path = reasons_path

    def authorize(self, reviewer: Reviewer, request: ApprovalRequest) -> AuthzResult:
        document = {"reviewer": reviewer.policy_view(), "request": request.policy_view()}
        try:
            allowed = self._engine.query(self._path, document)
            if allowed is True:
                return AuthzResult(True)
            reasons = self._engine.query(self._reasons_path, document)
        except CharterError as exc:
            return AuthzResult(False, (f"the approval policy could not be evaluated: {exc}",))
        except Exception as exc:  # a remote engine's transport error: fail closed
            return AuthzResult(
                False, (f"the approval policy could not be evaluated ({type(exc).__name__})",)
            )
        found = tuple(sorted(str(r) for r in reasons)) if isinstance(reasons, list) else ()
        if found:
            return AuthzResult(False, found)
        if allowed is None:
            return AuthzResult(
                False,
                (
                    f"the policy does not define {self._path} for this reviewer and request; "
                    "nothing is allowed unless the policy grants it",
                ),
            )
        return AuthzResult(False, (f"the policy ({self._path}) does not allow it",))
