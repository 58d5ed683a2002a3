"""Checks of the arguments of `Charter`'s public methods: a wrong one is a clear
`ConfigurationError` where it is passed, not a failure deep inside a call."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from charter._iterables import exact
from charter._shown import shown
from charter.decision import Stage
from charter.errors import ConfigurationError


def scored_in_line(signals: Any) -> Any:
    """`signals`, checked: the guard scores a text synchronously, in the flow of the call,
    so an async signal cannot be awaited there (found by probing: every call recorded its
    `.error` and the shipped policy denied them all)."""
    for signal in getattr(signals, "signals", ()) or ():
        if getattr(signal, "is_async", False):
            raise ConfigurationError(
                f"signal {signal.name!r} is async, and the guard scores synchronously; give "
                "CallableSignal a sync function (e.g. one that calls your classifier's sync "
                "client, with its own timeout)"
            )
    return signals


def stage_of(caller: str, stage: Stage | str) -> Stage:
    try:  # a str first: the enum's own error quotes anything else with `repr`
        return Stage(stage if isinstance(stage, str) else "")
    except ValueError:
        names = ", ".join(repr(s.value) for s in Stage)
        raise ConfigurationError(
            f"{caller}(stage=...) must be one of {names}, got {shown(stage)}"
        ) from None


def require_entities(entities: object, known: Collection[str]) -> None:
    """`redact(entities=...)`: a list of entity types this detector knows. A bare str or an
    unknown name redacted nothing at all before: failing open on personal data."""
    if isinstance(entities, str) or not isinstance(entities, Collection):
        raise ConfigurationError(
            f"Charter.redact(entities=...) takes a list of entity types, got {shown(entities)}"
        )
    unknown = sorted(str(e) for e in entities if e not in known)
    if unknown:
        raise ConfigurationError(
            f"Charter.redact: unknown entity types {unknown}; this detector knows {sorted(known)}"
        )


def require_text(method: str, text: object) -> str:
    """`check` and `redact` read text; anything else failed deep inside PII detection.
    The text is read as the plain `str` it holds: a subclass whose `__len__` said 0 was
    redacted to nothing and checked as empty (found by probing; `charter._iterables`)."""
    if not isinstance(text, str):
        hint = "; tool arguments go in check(text, tool=..., arguments=...)"
        raise ConfigurationError(
            f"Charter.{method}(text) takes a str (got {type(text).__name__})"
            + (hint if method == "check" else "")
        )
    return exact(text)


def require_scope(scope: object) -> None:
    """`redact(scope=...)` names a conversation: a str, or None for this call only. Found by
    probing: any object was taken (its text made the scope), and `10**5000` raised
    `ValueError` from the int-to-str limit."""
    if scope is not None and not isinstance(scope, str):
        raise ConfigurationError(
            "Charter.redact(scope=...) names a conversation (a str), or None for this call "
            f"only (got {type(scope).__name__})"
        )
