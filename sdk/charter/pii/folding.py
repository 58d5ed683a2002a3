"""The text as the recognizers read it: odd spaces as spaces, odd hyphens as hyphens,
full-width forms and Arabic-Indic digits as ASCII, invisible characters gone, decomposed
letters composed, an e-mail's `@` URL-encoded (`jane%40example.com`) decoded, with the way
back to the caller's offsets.

An IBAN grouped with no-break spaces (as bank sites print it), a phone number with narrow
no-break spaces or non-breaking hyphens, a national ID typed in full-width or Arabic-Indic
digits or with zero-width spaces or direction marks inside read as nothing to regexes
written for ASCII: probing found all of them passing through unredacted, and the
national-ID rule not firing. Text from macOS can arrive decomposed (NFD: `s` + a combining
cedilla for `ş`), which the word lists of names and places do not match. Spaces, hyphens,
full-width forms and digits map one character to one, so offsets do not move; invisible
characters (every code point that draws as nothing), controls other than tab and line
breaks, and lone surrogates are dropped, a character with the marks after it becomes what
NFC composes (a letter with its accent; a digit without its keycap or accent), `%40`
between word characters `@`, and a finding's span is mapped back over them, so the
redaction covers the value as the caller wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import cache

from charter._unicode import invisible_points, mark_ranges, ranges_of
from charter.pii.findings import Finding

_ONE_FOR_ONE: dict[int, int] = {
    **{c: 0x20 for c in (0x00A0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B))},
    **{c: 0x2D for c in range(0x2010, 0x2014)},  # hyphen, non-breaking hyphen, dashes
    **{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)},  # full-width ASCII forms
    **{c: 0x30 + c % 16 for c in (*range(0x0660, 0x066A), *range(0x06F0, 0x06FA))},  # ٣ ۳
}
_FOLDED = re.compile(
    "[\u00a0\u0660-\u0669\u06f0-\u06f9\u1680\u2000-\u200a\u2010-\u2013\u202f\u205f"
    "\u3000\uff01-\uff5e]"
)
"""The characters `_ONE_FOR_ONE` maps: searched first (C speed), because `str.translate`
with a table walks a non-ASCII text character by character in Python's lookup loop."""
_ENCODED_AT = re.compile(r"(?<=[\w.+-])%40(?=\w)")
"""`jane%40example.com`: an e-mail address URL-encoded (in a link's query) reads as one."""
_CONTROLS = bytes((*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
"""C0 controls and DEL: every one but tab, line feed and carriage return is dropped (NUL
between a card's groups hid it)."""
_C1_AND_SURROGATES = (*range(0x80, 0xA0), *range(0xD800, 0xE000))
"""C1 controls (U+0085 between a card's groups hid it) and lone surrogates (a broken
UTF-16 pair), dropped as well."""


@cache
def _gaps() -> frozenset[int]:
    """Code points dropped wherever they stand: every one that draws as nothing (Unicode's
    Default_Ignorable_Code_Point and Cf, `charter._unicode`, not a hand-written list, which
    missed U+061C, U+2065, U+FE0F, U+034F and the tag characters), the controls and lone
    surrogates. Built on the first text that needs it."""
    return invisible_points() | frozenset(_CONTROLS) | frozenset(_C1_AND_SURROGATES)


@cache
def _marks() -> frozenset[int]:
    """Nonspacing and enclosing marks (Mn, Me) that are not gaps: composed with the
    character before them where NFC can, dropped where it cannot (a keycap U+20E3 or an
    acute on a digit)."""
    return frozenset(p for low, high in mark_ranges() for p in range(low, high + 1)) - _gaps()


@cache
def _points() -> frozenset[int]:
    """The gaps and the marks."""
    return _gaps() | _marks()


def _class(ranges: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> str:
    return "[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges) + "]"


@cache
def _candidates(encoded: bool) -> re.Pattern[str]:
    """One character that may be a gap or a mark: the BMP ones exactly, any astral one
    (told apart after), or, in a text with one, an encoded `@`."""
    one = _bmp().pattern[:-1] + "\U00010000-\U0010ffff]"
    return re.compile(f"{one}|(?P<at>{_ENCODED_AT.pattern})" if encoded else one)


@cache
def _bmp() -> re.Pattern[str]:
    """A gap or a mark of the BMP: one table lookup a character."""
    return re.compile(_class(ranges_of(p for p in _points() if p < 0x10000)))


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@cache
def _near_astral() -> re.Pattern[str]:
    """An astral character that may be a gap or a mark: from the first to the last one of
    plane 1 (emoji lie above), or of plane 14. Two ranges: the exact ones, tested one by
    one by the regex engine, cost 0.1 us a character."""
    one, fourteen = ([p for p in _points() if p >> 16 == plane] for plane in (1, 14))
    return re.compile(_class(((min(one), max(one)), (min(fourteen), max(fourteen)))))


def _astral_in(text: str) -> bool:
    """Whether `text` holds an astral gap or mark (a tag character, a musical symbol's
    combining stem)."""
    first = _ASTRAL.search(text)
    points = _points()
    return first is not None and any(
        ord(found.group()) in points for found in _near_astral().finditer(text, first.start())
    )


class Folding:
    """For each character of the folded text, the span of the caller's text it came from:
    worked out when a finding asks, unless the folding had it on the way. A text with a
    mark on most letters (Hindi, Thai) would otherwise pay a step in Python for each."""

    def __init__(self, scan: str, spans: tuple[list[int], list[int]] | None = None) -> None:
        self._scan = scan
        self._spans = spans

    @property
    def starts(self) -> list[int]:
        return self._mapped()[0]

    @property
    def ends(self) -> list[int]:
        return self._mapped()[1]

    def _mapped(self) -> tuple[list[int], list[int]]:
        if self._spans is None:  # a race computes it twice, the same
            self._spans = _composed(self._scan, encoded=False)[1:]
        return self._spans


def folded(text: str) -> tuple[str, Folding | None]:
    """(the text to scan, and the way back to `text`; None when the offsets are the same).
    ASCII text without controls, the common case, is returned as it is."""
    encoded = "%40" in text and _ENCODED_AT.search(text) is not None
    if text.isascii():
        raw = text.encode("ascii")
        if not encoded and len(raw.translate(None, _CONTROLS)) == len(raw):
            return text, None
        scan = text
    else:
        scan = text.translate(_ONE_FOR_ONE) if _FOLDED.search(text) else text
        if not encoded and not _changes(scan):
            return scan, None
    if encoded or not unicodedata.is_normalized("NFC", scan):
        out, starts, ends = _composed(scan, encoded)
        return out, Folding(scan, (starts, ends))
    return _dropped(scan), Folding(scan)


def _changes(scan: str) -> bool:
    """Whether `scan` holds a gap or a mark (most text holds neither)."""
    return _bmp().search(scan) is not None or _astral_in(scan)


def _dropped(scan: str) -> str:
    """`scan`, NFC already, without its gaps and marks: what `_composed` reads it as (a
    cluster of an NFC text composes no further), at the regex engine's speed."""
    text = _bmp().sub("", scan)
    if not _astral_in(text):
        return text
    points = _points()
    return "".join(c for c in text if ord(c) not in points)


def _composed(scan: str, encoded: bool) -> tuple[str, list[int], list[int]]:
    """Gaps dropped, an encoded `@` decoded, and each character composed with the marks
    after it (NFC), the marks it cannot take dropped; every character of a cluster maps
    back to all of it, a character left alone to itself."""
    gaps, marks = _gaps(), _marks()
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0  # scan[:done] is read
    cluster: tuple[int, int] | None = None  # a character and the marks after it, unread

    def same(end: int) -> None:
        nonlocal done
        parts.append(scan[done:end])
        starts.extend(range(done, end))
        ends.extend(range(done + 1, end + 1))
        done = end

    def one(start: int, end: int, chars: str) -> None:
        nonlocal done
        parts.append(chars)
        starts.extend([start] * len(chars))
        ends.extend([end] * len(chars))
        done = end

    def close() -> None:
        nonlocal cluster
        if cluster is not None:
            start, end = cluster
            chars = unicodedata.normalize("NFC", scan[start:end])
            one(start, end, "".join(c for c in chars if ord(c) not in marks))
            cluster = None

    for found in _candidates(encoded).finditer(scan):
        k = found.start()
        point = ord(scan[k])
        if point in marks:
            if cluster is not None and cluster[1] == k:
                cluster = (cluster[0], k + 1)
                continue
            close()
            if k > done:  # the character before it is read as it is: they compose
                same(k - 1)
                cluster = (k - 1, k + 1)
            else:  # a mark on nothing (after a gap, at the start): dropped
                done = k + 1
        elif found.lastgroup == "at":
            close()
            same(k)
            one(k, k + 3, "@")
        elif point in gaps:
            close()
            same(k)
            done = k + 1
    close()
    same(len(scan))
    return "".join(parts), starts, ends


def unfolded(finding: Finding, where: Folding) -> Finding:
    """A finding in the folded text as one in the caller's text (the invisible characters
    and marks inside its span included)."""
    return replace(finding, start=where.starts[finding.start], end=where.ends[finding.end - 1])
