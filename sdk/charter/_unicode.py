"""Unicode facts that detection (`charter.signals`) and approvals (`charter.approvals`) both
rely on, kept here so neither imports the other: which code points draw as nothing, which
are combining marks, which characters look alike.

A hand-written list of "zero-width characters" always misses some (probing hid requests
behind U+180F, U+13430 and unassigned U+E0FFF), so the sets come from Unicode's own
properties: Default_Ignorable_Code_Point and the format category (Cf).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
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

_SMALL_CAPITAL = "LATIN LETTER SMALL CAPITAL "
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


def visible(text: str) -> str:
    """`text` without the code points that draw as nothing: an id number with a byte order
    mark, a zero-width space or a soft hyphen in it is still the number (found by review:
    such user ids were kept in plain text)."""
    return text if text.isascii() else text.translate(_invisible_table())


@cache
def _invisible_table() -> dict[int, None]:
    return dict.fromkeys(invisible_points())


@cache
def mark_ranges() -> tuple[tuple[int, int], ...]:
    """Every nonspacing and enclosing mark (Mn, Me: accents, Zalgo's stacked marks, the
    combining blocks beyond U+0300-036F), as inclusive ranges, built once."""
    return ranges_of(_points_of({"Mn", "Me"}))


def ranges_of(points: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Code points as sorted inclusive ranges."""
    ranges: list[tuple[int, int]] = []
    for cp in sorted(points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return tuple(ranges)


def char_class(ranges: Iterable[tuple[int, int]]) -> str:
    """A regex matching one character of `ranges` (none of them ASCII), quick to run:
    Python's `re` tests a class that mixes BMP and astral characters range by range (0.1 us
    a character for the 300 ranges of the combining marks); split in two, the BMP part is
    one table lookup, and the astral part is tried only on astral characters."""
    bmp = "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges if high < 0x10000)
    astral = "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges if high >= 0x10000)
    if not astral:
        return f"[{bmp}]"
    return f"(?:[{bmp}]|(?=[\U00010000-\U0010ffff])[{astral}])"


def lead_bytes(ranges: Iterable[tuple[int, int]]) -> bytes:
    """The bytes the characters of `ranges` start with in UTF-8. A text whose UTF-8 holds
    none of them holds none of those characters: one `bytes.translate` tells, where a
    regex class scanned over the text costs some 30 ns a character."""
    return bytes(
        sorted({chr(cp).encode()[0] for low, high in ranges for cp in range(low, high + 1)})
    )


def _points_of(categories: set[str]) -> set[int]:
    category = unicodedata.category
    return {
        cp
        for plane in _PLANES
        for cp in range(plane, plane + 0x10000)
        if category(chr(cp)) in categories
    }


@cache
def confusable_prototypes() -> dict[str, str]:
    """Each confusable character -> its class's prototype (UTS #39's confusables.txt, the
    `confusable-homoglyphs` package's copy), built once. The package lists
    each pair of confusables.txt both ways: a class is a prototype and the characters
    mapped to it. A prototype of more than one character (`m` -> `rn`) is never mapped
    from, so it names its class; otherwise the class's ASCII character does, when it has
    one (`0` for `0 O Ο О`, so `b0b` stays apart from `bob` when case-folded). Small
    capitals join their letter's class: confusables.txt maps `ᴄ` and `ᴏ`, not `ᴀ`."""
    from confusable_homoglyphs.confusables import confusables_data

    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while (up := parent.setdefault(x, x)) != x:
            parent[x] = x = parent.setdefault(up, up)
        return x

    for char, alikes in confusables_data.items():
        first = root(_bare(char))
        for other in (_bare(a["c"]) for a in alikes):
            parent[root(other)] = first
    for char in list(parent):
        if len(char) == 1 and (letter := small_capital(char)) != char:
            parent[root(letter)] = root(char)
    classes: dict[str, list[str]] = {}
    for member in parent:
        classes.setdefault(root(member), []).append(member)
    table: dict[str, str] = {}
    for members in classes.values():
        prototype = min(members, key=lambda m: (len(m) == 1, not m.isascii(), m))
        table.update((m, prototype) for m in members if len(m) == 1 and m != prototype)
    for char, prototype in table.items():  # a longer prototype's own letters, mapped too
        if len(prototype) > 1:
            table[char] = "".join(table.get(p, p) for p in prototype)
    return table


def small_capital(c: str) -> str:
    """`ᴀ`, `ʙ`, `ʀ`: a small capital reads as its letter (`c` itself otherwise)."""
    name = unicodedata.name(c, "")
    letter = name.removeprefix(_SMALL_CAPITAL)
    return letter.lower() if name.startswith(_SMALL_CAPITAL) and len(letter) == 1 else c


def _bare(text: str) -> str:
    """The package keeps right-to-left characters between direction marks; drop them."""
    return text.replace("\u200e", "").replace("\u200f", "")
