"""What a regex can read from one start position, for tests that keep pattern scans linear.

A pattern searched through a text is tried at every position; if one try can read to the
end of a long run and fail, the scan is quadratic in the run. These helpers walk the
parsed pattern (the stdlib's own parser) instead of timing it, so the check is exact and
deterministic.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def unbounded_repeats(pattern: str | re.Pattern[str]) -> list[str]:
    """The repeats in `pattern` without an upper bound (`*`, `+`, `{n,}`), as text."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    found: list[str] = []
    _walk(sre_parse.parse(source), found)
    return found


def starts_with_lookbehind(pattern: re.Pattern[str]) -> bool:
    """Whether every try of `pattern` first checks the character before it (`(?<!...)`),
    so a search can rule out starting in the middle of the run it reads."""
    first_op, first_av = sre_parse.parse(pattern.pattern)[0]
    return first_op == sre.ASSERT_NOT and first_av[0] == -1


def _walk(items: Any, found: list[str]) -> None:
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            if high == sre.MAXREPEAT:
                found.append(f"{body!s}{{{low},}}")
            _walk(body, found)
        elif op == sre.SUBPATTERN:
            _walk(av[-1], found)
        elif op == sre.ATOMIC_GROUP:  # `(?>...)`: read once, but still read
            _walk(av, found)
        elif op == sre.BRANCH:
            for branch in av[1]:
                _walk(branch, found)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            _walk(av[1], found)
        elif op == sre.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    _walk(branch, found)
