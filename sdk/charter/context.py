"""Who is calling: the end user's pseudonym and roles, and the conversation a call belongs
to (the scope for stable PII placeholders); for a RAG call, the passages it retrieved (the
output stage scores how much of the answer they support). Set per request with
`charter.context(...)`."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from charter._ids import UNFIT_ID, unfit_id
from charter._iterables import exact
from charter.grounding import Passages


@dataclass(frozen=True)
class CallContext:
    user: str = "anonymous"
    """A pseudonym, never a name or an e-mail address."""
    roles: tuple[str, ...] = ()
    conversation: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    """Anything else the policy should read (`input.metadata`): JSON values, or what
    pydantic writes as JSON (dates, UUIDs, enums, dataclasses, pydantic models)."""
    retrieved: tuple[str, ...] = ()
    """Passages a RAG call put in front of the model: scored against the answer
    (`charter.grounding`), never sent to the policy, the log or telemetry."""
    approval_key: str | None = None
    """Makes a held call's approval request idempotent: calls holding the same action
    under the same key share one request (a framework that re-runs a step after a pause,
    such as a LangGraph interrupt). Never sent to the policy."""
    policy_metadata: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """`metadata` as the policy reads it, written once when the context is made: what has
    no JSON form is refused then (`ConfigurationError`), not in every guarded call."""

    def __post_init__(self) -> None:
        if self.metadata:
            object.__setattr__(self, "policy_metadata", _policy_metadata(self.metadata))


_ANONYMOUS = CallContext()  # frozen; its metadata dict is never mutated, only replaced
_CURRENT: ContextVar[CallContext] = ContextVar("charter_context", default=_ANONYMOUS)


def current() -> CallContext:
    return _CURRENT.get()


@contextlib.contextmanager
def context(
    *,
    user: str | int | None = None,
    roles: tuple[str, ...] | list[str] | set[str] | frozenset[str] | None = None,
    conversation: str | int | None = None,
    retrieved: Iterable[Any] | None = None,
    approval_key: str | int | None = None,
    **metadata: Any,
) -> Iterator[CallContext]:
    """Set the caller for the guarded calls inside the block (works across await);
    `retrieved`: the passages a RAG call retrieved for its answer, as strings or objects
    with a string `page_content` (a LangChain `Document`, read as that); `approval_key`: see
    `CallContext.approval_key`. A number given as `user`, `conversation` or
    `approval_key` (a database id) is used as its text."""
    user, conversation, approval_key = (
        _identifier(name, value)
        for name, value in (
            ("user", user),
            ("conversation", conversation),
            ("approval_key", approval_key),
        )
    )
    base = _CURRENT.get()
    updated = replace(
        base,
        user=user if user is not None else base.user,
        roles=_roles(roles) if roles is not None else base.roles,
        conversation=conversation if conversation is not None else base.conversation,
        metadata={**base.metadata, **metadata},
        retrieved=_passages(retrieved) if retrieved is not None else base.retrieved,
        approval_key=approval_key if approval_key is not None else base.approval_key,
    )
    token = _CURRENT.set(updated)
    try:
        yield updated
    finally:
        _CURRENT.reset(token)


def _passages(retrieved: object) -> Passages:
    """The passages' texts. Anything else is refused here: the output stage scores them
    against the answer, and failed there with the model already called (the answer lost)."""
    if isinstance(retrieved, str | bytes | Mapping) or not isinstance(retrieved, Iterable):
        raise _misuse(f"retrieved=...) takes a list of passages (got {type(retrieved).__name__})")
    texts = []
    for index, passage in enumerate(retrieved):
        text = getattr(passage, "page_content", passage)  # a LangChain Document's text
        if not isinstance(text, str):
            raise _misuse(
                f"retrieved=...): passage {index} is {type(passage).__name__}, not text; pass "
                "strings (a LangChain Document is read by its page_content; for a dict or "
                "bytes, pass the passage's text)"
            )
        texts.append(text)
    return Passages(texts)


def _roles(roles: object) -> tuple[str, ...]:
    """The roles as names, each checked as a user id is. Found by probing: `str(r)` of each
    made `roles={"admin": False}` grant admin, `[None, b"ops"]` the roles "None" and
    "b'ops'", `roles=3` a bare `TypeError`; a NUL or a lone surrogate passed. A str is
    refused too: tuple("admin") would be five one-letter roles."""
    if not isinstance(roles, list | tuple | set | frozenset):
        raise _misuse(f"roles=...) takes a list of roles (got {type(roles).__name__})")
    names = []
    for role in roles:
        if not isinstance(role, str):  # never str(role): its __str__ may be anything
            raise _misuse(f"roles=...) takes roles as strings (got {type(role).__name__})")
        names.append(_text_id("roles", exact(role)))
    return tuple(sorted(names) if isinstance(roles, set | frozenset) else names)


def _identifier(name: str, value: object) -> str | None:
    """An id as text: a number (a database id) is written as one; other types, an empty
    id, one with a control character or a lone surrogate (`charter._ids`) and the reserved
    user "anonymous" are refused here rather than failing deep inside a guarded call (or,
    for "anonymous", resuming any user's held call)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # Python writes no integer of over 4300 digits
            raise _misuse(f"{name}=...) takes an id, not a number of over 4300 digits") from None
    if not isinstance(value, str):
        raise _misuse(f"{name}=...) takes a string (got {type(value).__name__})")
    return _text_id(name, value)


def _text_id(name: str, value: str) -> str:
    """`value`, or `ConfigurationError` when it is empty, unfit or the reserved user."""
    if not value.strip():
        raise _misuse(f"{name}=...) must not be empty; leave it out instead")
    if unfit_id(value):
        raise _misuse(f"{name}=...) {UNFIT_ID}")
    if name == "user" and value == _ANONYMOUS.user:
        raise _misuse(
            f"user={value!r}) is reserved for calls outside any user's context (a worker "
            "that may resume any user's held call); pick another pseudonym"
        )
    return value


def _policy_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """`metadata` as JSON, or `ConfigurationError` naming the key: a request object passed
    as metadata made every guarded call in the block fail with pydantic's error, and a NaN
    or an integer JSON cannot hold made the policy's evaluation fail. Metadata nested too
    deep to read is kept as given: each guarded call's depth limit (`max_json_depth`)
    denies it, recorded, as it does deep tool arguments."""
    from charter.policy.input import MetadataTooDeep, UnreadableMetadata

    try:
        return _as_json(metadata)
    except MetadataTooDeep:
        return metadata
    except (ValueError, RecursionError):
        for key, value in metadata.items():  # which one
            try:
                _as_json({key: value})
            except MetadataTooDeep:
                continue
            except UnreadableMetadata as exc:
                raise _not_json(key, str(exc)) from None
            except (ValueError, RecursionError):
                raise _not_json(key, "NaN, infinity or an integer of over 4300 digits") from None
        raise


def _as_json(metadata: dict[str, Any]) -> dict[str, Any]:
    from charter.policy.input import plain_metadata

    plain = plain_metadata(metadata)
    json.dumps(plain, allow_nan=False)  # what the policy engine is sent, as JSON
    return plain


def _not_json(key: object, why: str) -> Exception:
    return _misuse(
        f"{key}=...): metadata must be JSON-like (text, numbers, booleans, None, lists and "
        f"dicts of them; dates, UUIDs, enums, dataclasses and pydantic models are written as "
        f"JSON): got {why}"
    )


def _misuse(what: str) -> Exception:
    from charter.errors import ConfigurationError

    return ConfigurationError(f"charter.context({what}")
