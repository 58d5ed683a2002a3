"""Unicode facts that detection (`charter.signals`) and approvals (`charter.approvals`) both
rely on, kept here so neither imports the other: which code points draw as nothing, which
are combining marks.

A hand-written list of "zero-width characters" always misses some (probing hid requests
behind U+180F, U+13430 and unassigned U+E0FFF), so the sets come from Unicode's own
properties: Default_Ignorable_Code_Point and the format category (Cf).
"""

from __future__ import annotations

import unicodedata
from functools import cache

DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)  # fmt: skip
"""Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties), inclusive ranges: drawn
as nothing, among them letters such as the Hangul fillers, which a category test keeps,
and code points not yet assigned, which a renderer must also draw as nothing."""

_PLANES = (0x00000, 0x10000, 0xE0000)
"""Planes 0, 1 and 14: every format character and combining mark assigned so far lies in
one of them."""


def default_ignorable(c: str) -> bool:
    """Whether `c` is a Default_Ignorable_Code_Point (assigned or not)."""
    point = ord(c)
    return any(low <= point <= high for low, high in DEFAULT_IGNORABLE)


@cache
def invisible_points() -> frozenset[int]:
    """Every default-ignorable code point and every format character (Cf: bidi controls,
    Arabic and Egyptian format signs, interlinear annotation marks, ...), built once."""
    found = {cp for low, high in DEFAULT_IGNORABLE for cp in range(low, high + 1)}
    return frozenset(found | _points_of({"Cf"}))


@cache
def mark_ranges() -> tuple[tuple[int, int], ...]:
    """Every nonspacing and enclosing mark (Mn, Me: accents, Zalgo's stacked marks, the
    combining blocks beyond U+0300-036F), as inclusive ranges, built once."""
    ranges: list[tuple[int, int]] = []
    for cp in sorted(_points_of({"Mn", "Me"})):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return tuple(ranges)


def _points_of(categories: set[str]) -> set[int]:
    category = unicodedata.category
    return {
        cp
        for plane in _PLANES
        for cp in range(plane, plane + 0x10000)
        if category(chr(cp)) in categories
    }
