"""A reviewer's inbox: the pending requests they may decide, newest first.

Who may decide a request is the policy's call (`can_approve`), which SQL cannot ask, so the
pending requests are read page by page until `limit` decidable ones are found or none is
left. Filtering one page of the newest requests instead hid one tenant's requests behind
another's (found by probing: 60 of globex's kept acme's one out of acme's reviewer's list).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from charter.approvals.models import ApprovalRequest


@dataclass(frozen=True)
class Inbox:
    requests: list[ApprovalRequest]
    """What the reviewer may decide now, newest first; at most the limit asked for."""
    for_others: int
    """Pending requests read on the way that the reviewer may not decide."""
    complete: bool
    """Every pending request was read, so `for_others` counts them all. False when the
    limit was reached first: older requests were not read (of either kind)."""


def gather(
    pending: Iterable[ApprovalRequest], decides: Callable[[ApprovalRequest], bool], limit: int
) -> Inbox:
    """The first `limit` of `pending` that `decides` accepts, reading no further."""
    mine: list[ApprovalRequest] = []
    others = 0
    for request in pending:
        if not decides(request):
            others += 1
            continue
        mine.append(request)
        if len(mine) >= limit:
            return Inbox(mine, others, complete=False)
    return Inbox(mine, others, complete=True)
