"""Who is calling: the end user's pseudonym and roles, and the conversation a call belongs
to (the scope for stable PII placeholders). Set per request with `charter.context(...)`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class CallContext:
    user: str = "anonymous"
    """A pseudonym, never a name or an e-mail address."""
    roles: tuple[str, ...] = ()
    conversation: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


_ANONYMOUS = CallContext()  # frozen; its metadata dict is never mutated, only replaced
_CURRENT: ContextVar[CallContext] = ContextVar("charter_context", default=_ANONYMOUS)


def current() -> CallContext:
    return _CURRENT.get()


@contextlib.contextmanager
def context(
    *,
    user: str | None = None,
    roles: tuple[str, ...] | list[str] | None = None,
    conversation: str | None = None,
    **metadata: Any,
) -> Iterator[CallContext]:
    """Set the caller for the guarded calls inside the block (works across await)."""
    base = _CURRENT.get()
    updated = replace(
        base,
        user=user if user is not None else base.user,
        roles=tuple(roles) if roles is not None else base.roles,
        conversation=conversation if conversation is not None else base.conversation,
        metadata={**base.metadata, **metadata},
    )
    token = _CURRENT.set(updated)
    try:
        yield updated
    finally:
        _CURRENT.reset(token)
