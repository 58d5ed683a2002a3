"""The placeholder format, `<EMAIL_ADDRESS_1>`, and how to find it again in model output.

Models echo placeholders back imperfectly: `[EMAIL_ADDRESS_1]`, `< EMAIL_ADDRESS_1 >`,
`email_address_1`, `&lt;EMAIL_ADDRESS_1&gt;`. `find_placeholders` accepts those spellings;
the vault only replaces the ones it actually issued in the scope, so an ordinary
identifier such as `ITEM_2` is left alone unless the vault gave it out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from typing import NamedTuple

_TOKEN = re.compile(
    r"(?P<open>(?:<|&lt;|\[|\{)[ \t]?)?"  # a bracket, if the model kept one
    r"(?<![A-Za-z0-9_])(?P<type>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z][A-Za-z0-9]*)*)_(?P<n>[0-9]{1,7})"
    r"(?![A-Za-z0-9_])"  # 7 digits: past any scope's count, far below int()'s digit limit
    r"(?P<close>[ \t]?(?:>|&gt;|\]|\}))?"
)
_EXACT = re.compile(r"<(?P<type>[A-Z][A-Z0-9_]*)_(?P<n>[1-9][0-9]*)>")


def format_placeholder(entity_type: str, number: int) -> str:
    return f"<{entity_type}_{number}>"


class Occurrence(NamedTuple):
    start: int
    end: int
    placeholder: str
    """The canonical spelling, `<EMAIL_ADDRESS_1>`."""


def find_placeholders(text: str) -> Iterator[Occurrence]:
    """Every placeholder-like token in `text`, in any of the spellings models produce."""
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if (match["open"] is None) != (match["close"] is None):  # keep an unpaired bracket
            start, end = match.span("type")[0], match.span("n")[1]
        yield Occurrence(start, end, format_placeholder(match["type"].upper(), int(match["n"])))


def is_placeholder(text: str) -> bool:
    """True when `text` is exactly one canonical placeholder."""
    return _EXACT.fullmatch(text) is not None


def entity_type_of(placeholder: str) -> str:
    return placeholder[1:].rpartition("_")[0]


def number_of(placeholder: str) -> int:
    """The number of a canonical placeholder: 1 for `<EMAIL_ADDRESS_1>`."""
    return int(placeholder[:-1].rpartition("_")[2])


def present(texts: Iterable[str], entity_types: Collection[str] | None = None) -> set[str]:
    """The placeholders (of `entity_types`; None: of any type) already in `texts`, in any
    spelling: a text being redacted may hold another scope's (a guarded tool's result in
    an agent's next prompt), which this scope must never issue for a value of its own."""
    if entity_types is not None and not entity_types:
        return set()
    return {
        occ.placeholder
        for text in texts
        if "_" in text
        for occ in find_placeholders(text)
        if entity_types is None or entity_type_of(occ.placeholder) in entity_types
    }
