"""What `ApprovalQueue` checks of its inputs before touching the store: the fields of a
request, a state's name, a presented action hash, the ticket of a keyed submit and the key
an unkeyed one is found by while pending."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from charter._canonical import sha256_hex
from charter._shown import shown
from charter.approvals.models import ApprovalState
from charter.errors import ApprovalError

_LIMITS = {"requester": 255, "tenant": 255, "app": 255, "rule": 255, "decision_id": 64}
_REQUIRED = ("requester", "decision_id")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def new_ticket() -> str:
    """A fresh ticket (`charter.approvals.queue.new_ticket`, where tests replace it)."""
    return f"apr_{uuid.uuid4().hex}"


def keyed_ticket(tenant: str, app: str, requester: str, key: str, digest: str) -> str:
    """The one ticket of `key` for this action (see `ApprovalQueue.submit`)."""
    return f"apr_{sha256_hex(chr(0x1F).join((tenant, app, requester, key, digest)))[:32]}"


def pending_key(
    tenant: str, app: str, requester: str, key: str | None, reuse_in: str | None, digest: str
) -> str | None:
    """What an unkeyed request is found by while pending (see `ApprovalQueue.submit`); None
    for a keyed one, or one submitted without `reuse_in`."""
    if key is not None or reuse_in is None:
        return None
    return sha256_hex(chr(0x1F).join(("pending", tenant, app, requester, reuse_in, digest)))


def check_hash(action_hash: str) -> None:
    if not _SHA256_HEX.fullmatch(action_hash):
        raise ApprovalError(
            "action_hash must be the 64-character lowercase SHA-256 hex of the canonical "
            "action; compute it with charter.approvals.action_hash(action)"
        )


def parse_state(value: ApprovalState | str) -> ApprovalState:
    try:  # a str first: the enum's own error quotes anything else with `repr`
        return ApprovalState(value if isinstance(value, str) else "")
    except ValueError:
        choices = ", ".join(s.value for s in ApprovalState)
        raise ApprovalError(
            f"unknown approval state {shown(value)}; use one of {choices}"
        ) from None


def check_fields(fields: Mapping[str, str]) -> None:
    """The requester is required (four-eyes needs to know who asked); rule, app and tenant
    may be empty when the policy did not name them."""
    for name, value in fields.items():
        if not isinstance(value, str):
            raise ApprovalError(f"{name} must be a string, not {type(value).__name__}")
        if name in _REQUIRED and not value.strip():
            raise ApprovalError(f"{name} must be a non-empty string to queue an approval")
        if len(value) > _LIMITS[name]:
            raise ApprovalError(f"{name} is longer than {_LIMITS[name]} characters")
