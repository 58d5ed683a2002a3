"""The live arguments of held calls that only this process can complete, by ticket.

A held call is stored with its approval request as JSON keywords, so that
`charter.resume(ticket)` can run it after a restart. A method's receiver, or an argument
with no JSON form (a dataclass, a date, an SDK's `NOT_GIVEN`), cannot be stored; such a
call could never be resumed, not even in the process that held it (found by probing), and
a resume that tried used the approval up. So the call's bound arguments are kept here, in
memory only, and a resume in this process runs with them.

Kept until the approval is used, or the wait ends in a rejection or expiry; at most `KEPT`
calls, the newest: tickets nobody resumes must not grow the process without limit. A
resume that finds nothing here fails before its approval is used.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from charter._canonical import sha256_hex
from charter._tickets import TicketMemory
from charter.errors import ActionMismatch, ConfigurationError
from charter.pipeline.limits import Unreadable, json_view

KEPT = 4096
"""Held calls remembered per process; an older one cannot be resumed (its approval stays
unused)."""


@dataclass(frozen=True)
class HeldCall:
    """A held call as it would have run: its (redacted) arguments, bound, and the name of
    its prompt's parameter (an LLM call's revisions put a new prompt there)."""

    action_hash: str
    bound: inspect.BoundArguments
    prompt_param: str | None
    receiver: str | None
    fingerprint: str
    """Of the arguments as they were held: the objects are the app's own, and one changed
    since (an order edited after the hold) would run an action nobody approved."""


_HELD: TicketMemory[HeldCall] = TicketMemory()


def keep(
    ticket: str,
    action_hash: str,
    bound: inspect.BoundArguments,
    prompt_param: str | None,
    receiver: str | None,
) -> None:
    """Remember the call held under `ticket` (the latest, when a re-run under an approval
    key finds the same request). A call whose arguments cannot be fingerprinted (a cycle)
    is not kept: it could not be told unchanged."""
    bound = inspect.BoundArguments(bound.signature, dict(bound.arguments))
    fingerprint = _fingerprint(bound, receiver)
    if fingerprint is None:
        return
    call = HeldCall(action_hash, bound, prompt_param, receiver, fingerprint)
    _HELD.keep(ticket, call, KEPT)  # the first call held under it is the one approved


def kept(request: Any) -> HeldCall:
    """The call held under `request`'s ticket, unchanged; raises when this process does not
    hold it, or its arguments changed since (checked before the approval is used)."""
    call = _find(request)
    if call is None:
        raise ConfigurationError(
            f"request {request.id}: its arguments have no JSON form (or it is a method, whose "
            "receiver is not stored), so only the process that held it can complete it, and "
            f"this one does not hold it (restarted, another worker, or over {KEPT} calls held "
            "since); the approval is unused: call the function again for a new request"
        )
    if _fingerprint(call.bound, call.receiver) != call.fingerprint:
        raise ActionMismatch(
            f"request {request.id}: the arguments it was held with were changed since, so the "
            "call is no longer the action that was approved; it did not run, and the approval "
            "is unused"
        )
    return call


def arguments(request: Any) -> Mapping[str, Any]:
    """The held call's arguments by name (whether it asked for a stream), or none."""
    call = _find(request)
    return {} if call is None else dict(call.bound.arguments)


def _find(request: Any) -> HeldCall | None:
    """The call held under `request`'s ticket for exactly its action, if this process
    holds it."""
    call = _HELD.get(request.id)
    return call if call is not None and call.action_hash == request.action_hash else None


def drop(ticket: str) -> None:
    """`ticket` will not run (again): its approval was used, rejected or expired."""
    _HELD.drop(ticket)


def _fingerprint(bound: inspect.BoundArguments, receiver: str | None) -> str | None:
    """A digest of the arguments as the checks and the reviewer read them (JSON values, a
    dataclass's or model's fields, a plain object by its `str`), the receiver aside: it is
    not part of the action. A change a plain object's text does not show is not seen; its
    pickled state was tried, and caches and ORM load state changed it for an unchanged
    object (found by review: the approved call could never run)."""
    arguments = {k: v for k, v in bound.arguments.items() if k != receiver}
    try:  # keys of mixed types (`1` and "1") both counted
        return sha256_hex(json_view(arguments, finite=False))
    except (TypeError, ValueError, RecursionError, Unreadable):  # a cycle, a value no text
        return None
