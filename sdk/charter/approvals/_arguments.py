"""What `ApprovalQueue`'s public methods check of their arguments before anything runs.

Found by probing: a wrong-typed argument failed deep inside, as `AttributeError: 'int'
object has no attribute 'strip'` (a reviewer given as an int), pydantic's
`ValidationError` (a reason of None), SQLAlchemy's `StatementError` (a reason in bytes, a
tenant as an int), `ValueError` (`limit="ten"`, a NaN limit) or `OverflowError`
(`lease_s=inf`). Each is now one `ApprovalError` naming the method, the argument and what
it takes; nothing was written either way (every step is one transaction).
"""

from __future__ import annotations

import numbers
from typing import Literal

from charter._bounds import ONE_YEAR_S, real_number
from charter._shown import shown
from charter.approvals.models import Reviewer
from charter.approvals.notify import wait_seconds
from charter.errors import ApprovalError

MAX_LIMIT = 2**31 - 1
"""The most requests one call reads: beyond any real page, and a LIMIT every backend takes
(found by probing: SQLite raised `OverflowError` from 2**63 on)."""


def vote(
    verdict: Literal["approve", "reject"], request_id: object, reviewer: object, reason: object
) -> None:
    _texts(verdict, request_id=request_id, reason=reason)
    _reviewer(verdict, reviewer)
    if verdict == "reject" and isinstance(reason, str) and not reason.strip():
        raise ApprovalError("a rejection needs a reason (--reason) so the requester knows why")


def cancel(request_id: object, by: object, reason: object) -> None:
    _texts("cancel", request_id=request_id, by=by, reason=reason)
    if isinstance(reason, str) and not reason.strip():
        raise ApprovalError("cancelling needs a reason, recorded in the request's history")


def consume(request_id: object, action_hash: object, by: object) -> None:
    _texts("consume", request_id=request_id, action_hash=action_hash, by=by)


def listing(tenant: object, limit: object) -> None:
    if tenant is not None:
        _texts("list", tenant=tenant)
    _limit("list", limit)


def inbox(reviewer: object, limit: object) -> None:
    _reviewer("inbox", reviewer)
    _limit("inbox", limit)


def claim(reviewer: object, lease_s: object) -> None:
    _reviewer("claim_next", reviewer)
    seconds = real_number(lease_s)
    if seconds is None or not 0 < seconds <= ONE_YEAR_S:  # NaN is neither
        raise ApprovalError(
            f"ApprovalQueue.claim_next(lease_s=...) takes a number of seconds above 0 and "
            f"at most {ONE_YEAR_S:.0f} (got {shown(lease_s)})"
        )


def expiring(limit: object) -> None:
    _limit("expire_due", limit)


def wait(method: str, request_id: object, timeout_s: object) -> None:
    """`timeout_s`: `notify.wait_seconds`, the one check of a wait (0 to a year)."""
    _texts(method, request_id=request_id)
    wait_seconds(timeout_s, f"ApprovalQueue.{method}")


def _texts(method: str, **values: object) -> None:
    for name, value in values.items():
        if not isinstance(value, str):
            raise ApprovalError(
                f"ApprovalQueue.{method}({name}=...) takes a str (got {type(value).__name__})"
            )


def _reviewer(method: str, reviewer: object) -> None:
    if not isinstance(reviewer, str | Reviewer):
        raise ApprovalError(
            f"ApprovalQueue.{method}(reviewer=...) takes a reviewer's id (a str) or a "
            f"Reviewer (got {type(reviewer).__name__})"
        )


def _limit(method: str, limit: object) -> None:
    """Any integral number (a numpy int too: review found `np.int64(10)`, taken before
    these checks, refused as "not a whole number"), not a bool."""
    whole = isinstance(limit, numbers.Integral) and not isinstance(limit, bool)
    if not whole or not 1 <= int(limit) <= MAX_LIMIT:  # type: ignore[call-overload]
        raise ApprovalError(
            f"ApprovalQueue.{method}(limit=...) takes a whole number from 1 to {MAX_LIMIT} "
            f"(got {shown(limit)})"
        )
