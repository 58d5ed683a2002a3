"""How an error message names the wrong value it was given, safely.

Found by probing: argument checks put the value in the message with `!r`, so the check
itself crashed with another error for some values (an object whose `repr` raises; an int
of 5,000 digits, past Python's int-to-str limit; a list nested 5,000 deep, RecursionError)
and echoed others into the message, personal data included (`queue.approve(t,
"jane.doe@example.com")` said "unknown reviewer 'jane.doe@example.com'", while the stored
history kept it hashed). `shown` runs no code of the value's own and quotes only a short
string (or a number) that does not look like personal data; anything else is described.
"""

from __future__ import annotations

import re

_ID_SHAPE = re.compile(r"[a-z0-9_-]+|[A-Z0-9_]+")
"""The strings quoted: a mode, stage or model name as such values are spelled (`inptu`,
`gpt-4o-mini`, `EMAIL`). Review found names, addresses and phones in other shapes
(`jane.doe`, `JaneDoe`, `221B_Baker_Street`, `tel:+15551234567`) quoted, as
`looks_personal` knows only e-mail addresses, spaced names and phone digits."""
_MAX_CHARS = 60
"""Longer strings are described, not quoted: a typo is short, a pasted document is not."""
_MAX_INT_BITS = 64
"""Bigger ints are described: converting them to text may hit the int-to-str limit."""


def shown(value: object) -> str:
    """`value` for an error message: a short str of an id's shape (`_ID_SHAPE`) as its
    repr, a number, None or a bool as written, unless it looks like personal data
    (`looks_personal`: an e-mail address, a name, a phone or national id number); anything
    else described in parentheses, by its type (`(a list)`), so it reads in any message
    (`got ...`, `unknown reviewer ...`)."""
    if value is None or isinstance(value, bool):
        return "None" if value is None else str(bool(value))
    if isinstance(value, str):
        text = str.__str__(value)  # a subclass's own __str__/__repr__ never runs
        if len(text) > _MAX_CHARS:
            return f"(a str of {len(text)} characters)"
        quotable = _ID_SHAPE.fullmatch(text) is not None and not _personal(text)
        return str.__repr__(text) if quotable else _withheld("str")
    if type(value) is int:  # a subclass may override how it prints
        if value.bit_length() > _MAX_INT_BITS:
            return "(a very large int)"
        text = int.__repr__(value)
        return text if not _personal(text) else _withheld("int")
    if type(value) is float:
        text = float.__repr__(value)
        return text if not _personal(text) else _withheld("float")
    return f"({_a(type(value).__name__)})"


def a_kind(value: object) -> str:
    """`a float`, `an int`: the type of `value` with its article, for a message."""
    return _a(type(value).__name__)


def _a(name: str) -> str:
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _withheld(name: str) -> str:
    return f"({_a(name)} that may be personal data, not shown)"


def _personal(text: str) -> bool:
    # Imported when first needed: loading `charter.telemetry` loads `charter.pii`, whose
    # own argument errors are shown through this module.
    from charter.telemetry._telemetry import looks_personal

    return looks_personal(text)
