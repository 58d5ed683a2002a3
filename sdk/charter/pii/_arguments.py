"""What `charter.pii`'s public helpers check of what they are given, used on their own
(without the guard, which measures its inputs first: `pipeline.limits`).

Found by probing: `Redactor().redact(None)` and `mask(None)` raised `TypeError` from inside
detection; `redact_json` of a list nested 5,000 deep raised `RecursionError`, and of an
int of 5,000 digits `ValueError` (Python's int-to-str limit, reading it as digits). Each is
now a `ConfigurationError` naming the call and what it takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from charter.errors import ConfigurationError

MAX_JSON_DEPTH = 200
"""The deepest value `redact_json` walks: twice the guard's highest `max_json_depth`, so
what the guard measured passes even wrapped (a held call's keywords), and well within
Python's recursion limit (two frames a level)."""

_ALWAYS_READABLE_BITS = 2_000
"""Ints this small have fewer digits (603) than the lowest int-to-str limit (640)."""


def require_text(caller: str, text: object) -> None:
    if not isinstance(text, str):
        raise ConfigurationError(f"{caller} takes a str (got {type(text).__name__})")


def require_json(caller: str, value: Any) -> None:
    """`value` nested at most `MAX_JSON_DEPTH` deep, every int of it readable as digits.
    Read without recursion, so the check itself cannot overflow the stack."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, Mapping | list | tuple):
            if depth > MAX_JSON_DEPTH:
                raise ConfigurationError(
                    f"{caller} reads values nested at most {MAX_JSON_DEPTH} deep; this one is "
                    "nested deeper"
                )
            items = node.values() if isinstance(node, Mapping) else node
            pending.extend((item, depth + 1) for item in items)
        elif isinstance(node, int) and node.bit_length() > _ALWAYS_READABLE_BITS:
            try:
                int.__repr__(node)
            except ValueError:  # past sys.get_int_max_str_digits()
                raise ConfigurationError(
                    f"{caller} reads each number as its digits; one here has more than Python "
                    "converts to text (sys.set_int_max_str_digits)"
                ) from None
