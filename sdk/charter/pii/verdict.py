"""The verdict type every recognizer's check returns, and the helpers to build one.

A regex only proposes; a verdict decides. It can keep a prefix of the candidate
(`Verdict.length`): a URL loses trailing punctuation, an IBAN or phone number followed by
an unrelated number loses that number.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import NamedTuple


class Verdict(NamedTuple):
    """`length`: how much of the candidate is the entity; `score`: confidence before
    context words are taken into account."""

    length: int
    score: float


VerdictFn = Callable[[str], Verdict | None]
REJECTED = -1.0
"""A `RecognizerSpec.ceiling` that says the verdict would reject the candidate."""
Check = Callable[[str], bool]


def accept_if(check: Check, score: float, *, strip: str = "") -> VerdictFn:
    """A verdict that keeps the whole candidate when `check` passes on it (with the
    characters in `strip` removed first, e.g. separators)."""
    table = str.maketrans("", "", strip)

    def verdict(candidate: str) -> Verdict | None:
        return Verdict(len(candidate), score) if check(candidate.translate(table)) else None

    return verdict


def shorter_by_groups(candidate: str, *, max_drops: int) -> list[str]:
    """The candidate, then the candidate without its last separated group, and so on:
    `TR33 0006 ... 26 2` -> `TR33 0006 ... 26`."""
    out = [candidate]
    value = candidate
    for _ in range(max_drops):
        cut = max(value.rfind(" "), value.rfind("-"), value.rfind("."), value.rfind("\t"))
        if cut <= 0:
            break
        value = value[:cut].rstrip(" \t-.(")
        out.append(value)
    return out


_CALL_MEMO: ContextVar[dict[object, object] | None] = ContextVar("charter_pii_memo", default=None)


def open_call_memo() -> Token[dict[object, object] | None]:
    """Opens the memo of one `detect` call (see `call_memo`); pass the token to
    `close_call_memo` when the call ends (try/finally: cheaper than a context manager)."""
    return _CALL_MEMO.set({})


def close_call_memo(token: Token[dict[object, object] | None]) -> None:
    _CALL_MEMO.reset(token)


def call_memo() -> dict[object, object] | None:
    """Scratch space of the current `detect` call, None outside one. Two recognizers that
    judge the same candidate one after the other (a phone number checked against the
    home countries by both phone recognizers) share the work here. Nothing in it outlives
    the call: no value is kept between texts, and timing one text says nothing about the
    next."""
    return _CALL_MEMO.get()
