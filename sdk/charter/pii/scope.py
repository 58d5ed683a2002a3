"""Vault scopes: where a placeholder is stable, and for whom it may be restored.

A scope is the unit of stability: within one scope the same value always gets the same
placeholder, so `<EMAIL_ADDRESS_1>` means one address throughout a conversation and the
model can reason about it. The default scope lives for one request; a conversation or a
whole tenant can share one.

A scope belongs to a tenant and, when `principal` is set (the guard sets the calling
user's pseudonym), to that principal: two users who send the same conversation id get two
separate scopes, and one can never have the other's values restored.

A scope's `withheld_view()` issues placeholders that are never restored, in the same mapping
(one value, one placeholder): the output stage's, for values the model produced, so an
answer, its revision or a later turn cannot bring back data the caller never gave.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Literal

from charter.errors import ConfigurationError, PIIError
from charter.pii._arguments import require_text


@dataclass(frozen=True, slots=True)
class Scope:
    """Where placeholders are stable. Build one with `request()`, `conversation()` or
    `tenant_wide()`; `subject` names the data subject (a pseudonym) for `erase`;
    `principal` names who may restore its placeholders (None: whoever holds the scope)."""

    id: str
    tenant: str = "default"
    subject: str | None = None
    ttl_s: float | None = None
    """Overrides the vault's time-to-live for this scope; None: the vault's."""
    kind: Literal["request", "conversation", "tenant"] = "request"
    principal: str | None = None
    withheld: bool = False
    """New placeholders issued through this scope are never restored (see `withheld_view()`)."""
    callers: str = ""
    """With `withheld`: what the caller sent in this call, casefolded. A value found in it is
    the caller's own, not the model's, and stays restorable."""

    def __post_init__(self) -> None:
        if not self.id or not self.tenant:
            raise PIIError("a vault scope needs a non-empty id and tenant")
        if self.ttl_s is not None and self.ttl_s <= 0:
            raise PIIError(f"scope ttl_s must be positive, got {self.ttl_s}")
        if self.principal is not None and not self.principal:
            raise PIIError("a vault scope's principal must be non-empty (or None)")

    @classmethod
    def request(
        cls,
        *,
        tenant: str = "default",
        subject: str | None = None,
        ttl_s: float | None = None,
        principal: str | None = None,
    ) -> Scope:
        """A fresh scope for one request (the default): placeholders restart at 1."""
        return cls(f"req:{uuid.uuid4().hex}", tenant, subject, ttl_s, "request", principal)

    @classmethod
    def conversation(
        cls,
        conversation_id: str,
        *,
        tenant: str = "default",
        subject: str | None = None,
        ttl_s: float | None = None,
        principal: str | None = None,
    ) -> Scope:
        """Placeholders stay the same across the turns of one conversation (of one
        principal, when given)."""
        require_text("Scope.conversation", conversation_id)
        return cls(f"conv:{conversation_id}", tenant, subject, ttl_s, "conversation", principal)

    def withheld_view(self, callers: str = "") -> Scope:
        """This scope (same mapping), issuing placeholders that are never restored, but for
        values the caller sent (`callers`: their texts in this call)."""
        return replace(self, withheld=True, callers=callers.casefold())

    @classmethod
    def tenant_wide(cls, tenant: str, *, ttl_s: float | None = None) -> Scope:
        """One mapping for everything a tenant sends (e.g. batch jobs over a data set)."""
        return cls("tenant", tenant, None, ttl_s, "tenant")

    @classmethod
    def of(cls, scope: Scope | str | None) -> Scope:
        """A `Scope` as given; a string is a scope id in the default tenant; None is a
        fresh request scope."""
        if scope is None:
            return cls.request()
        if isinstance(scope, str):
            return cls(scope)
        if not isinstance(scope, Scope):  # found by probing: `scope=5` was taken as a scope
            raise ConfigurationError(
                f"a vault scope is a Scope, a scope id (a str) or None (got {type(scope).__name__})"
            )
        return scope
