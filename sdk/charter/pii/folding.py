"""The text as the recognizers read it: odd spaces as spaces, odd hyphens as hyphens,
line breaks (VT, FF, NEL, U+2028) as line feeds, full-width forms and every script's decimal
digits as ASCII, invisible characters and spacing marks after a digit gone, decomposed
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

from charter._unicode import char_class, invisible_points, mark_ranges, ranges_of
from charter.pii.findings import Finding

_BREAKS = (0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)
"""Line and paragraph breaks other than LF and CR (VT, Word's shift-enter; FF, a page
break; the file, group and record separators; NEL; U+2028, U+2029), which `str.splitlines`
breaks on too: read as a line feed. Dropped, they joined two numbers into one (found by
review probing: `39141<VT>777694` was denied as a TC Kimlik No, `41111111<VT>11111111`
masked as a card)."""
_ASCII_BREAKS = bytes.maketrans(b"\x0b\x0c\x1c\x1d\x1e\x1f", b"\n\n\n\n\n ")
"""The ASCII ones as line feeds, the unit separator (U+001F, whitespace) as a space."""
_ONE_FOR_ONE: dict[int, int] = {
    **{c: 0x20 for c in (0x00A0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B))},
    **{c: 0x2D for c in range(0x2010, 0x2014)},  # hyphen, non-breaking hyphen, dashes
    **{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)},  # full-width ASCII forms
    **dict.fromkeys(_BREAKS, 0x0A),
    0x1F: 0x20,
}
"""Odd spaces, hyphens, breaks and full-width forms as their ASCII character; the decimal
digits of every script join it when first needed (`_table`)."""


@cache
def _table() -> dict[int, int]:
    """`_ONE_FOR_ONE` and every decimal digit (Nd) as its ASCII digit: Devanagari, Bengali,
    Thai and mathematical bold digits (one astral code point each) hid a card or a TC Kimlik
    No as well as Arabic-Indic ones did (found by review probing)."""
    digits = {cp: 0x30 + unicodedata.decimal(chr(cp)) for cp in _category("Nd")}
    return {**digits, **_ONE_FOR_ONE}


@cache
def _category(name: str) -> tuple[int, ...]:
    """The non-ASCII code points of a category whose every member lies in planes 0 and 1
    (decimal digits, spacing marks)."""
    return tuple(cp for cp in range(0x80, 0x20000) if unicodedata.category(chr(cp)) == name)


@cache
def _spacing() -> re.Pattern[str]:
    """A spacing mark (Mc) after a digit or an ASCII letter, gaps and marks between: no
    script writes one there, and `4111<U+0903>1111...` or `391417<U+1D165>77694` hid the
    value (found by review probing). After the letters of its script (Devanagari's vowel
    signs) it is part of the word and stays."""
    mark = char_class(ranges_of(_category("Mc")))
    return re.compile(f"[0-9A-Za-z](?:{_bmp().pattern}|[\U00010000-\U0010ffff])*{mark}")


@cache
def _folded() -> re.Pattern[str]:
    """The characters `_table` maps: searched first (C speed), because `str.translate` with
    a table walks a non-ASCII text character by character in Python's lookup loop."""
    return re.compile(char_class(ranges_of(p for p in _table() if p > 0x7F)))


_ENCODED_AT = re.compile(r"(?<=[\w.+-])%40(?=\w)")
"""`jane%40example.com`: an e-mail address URL-encoded (in a link's query) reads as one."""
_CONTROLS = bytes((*range(0x09), 0x0E, 0x0F, *range(0x10, 0x1C), 0x7F))
"""C0 controls and DEL that are not whitespace (the breaks are read above): dropped (NUL
between a card's groups hid it)."""
_ODD_ASCII = _CONTROLS + b"\x0b\x0c\x1c\x1d\x1e\x1f"
"""The ASCII characters folding changes: one `bytes.translate` tells a text has none."""
_C1_AND_SURROGATES = (*range(0x80, 0x85), *range(0x86, 0xA0), *range(0xD800, 0xE000))
"""C1 controls but NEL, and lone surrogates (a broken UTF-16 pair), dropped as well."""
_BLANKS = (0x2800, 0xFFFC, 0x1D159)
"""Symbols that draw as nothing or as a blank in most fonts: the braille blank, the
object replacement character, the musical null notehead (found by review probing: each
inside a card, a TC Kimlik No or an e-mail hid it)."""


@cache
def _gaps() -> frozenset[int]:
    """Code points dropped wherever they stand: every one that draws as nothing (Unicode's
    Default_Ignorable_Code_Point and Cf, `charter._unicode`, not a hand-written list, which
    missed U+061C, U+2065, U+FE0F, U+034F and the tag characters), the controls and lone
    surrogates. Built on the first text that needs it."""
    return invisible_points() | frozenset((*_CONTROLS, *_C1_AND_SURROGATES, *_BLANKS))


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
    """One character that may be a gap or a mark: the BMP ones and spacing marks exactly,
    any astral one (told apart after), or, in a text with one, an encoded `@`."""
    spacing = _class(ranges_of(p for p in _category("Mc") if p < 0x10000))[1:-1]
    one = _bmp().pattern[:-1] + spacing + "\U00010000-\U0010ffff]"
    return re.compile(f"{one}|(?P<at>{_ENCODED_AT.pattern})" if encoded else one)


@cache
def _bmp() -> re.Pattern[str]:
    """A gap or a mark of the BMP: one table lookup a character."""
    return re.compile(_class(ranges_of(p for p in _points() if p < 0x10000)))


_ALNUM = re.compile("[0-9A-Za-z]")
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
    spaced = False
    if text.isascii():
        raw = text.encode("ascii")
        if not encoded and len(raw.translate(None, _ODD_ASCII)) == len(raw):
            return text, None
        scan = raw.translate(_ASCII_BREAKS).decode("ascii")
        if not encoded and len(raw.translate(None, _CONTROLS)) == len(raw):
            return scan, None
    else:
        scan = text.translate(_table()) if _folded().search(text) else text
        spaced = _spacing().search(scan) is not None
        if not encoded and not spaced and not _changes(scan):
            return scan, None
    if encoded or spaced or not unicodedata.is_normalized("NFC", scan):
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
    gaps, marks, spacing = _gaps(), _marks(), frozenset(_category("Mc"))
    after_alnum = marks | spacing  # what a digit or an ASCII letter drops after it
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
            drop = after_alnum if _ALNUM.match(scan[start]) else marks
            one(start, end, "".join(c for c in chars if ord(c) not in drop))
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
        elif point in spacing:  # dropped after a digit or an ASCII letter, else kept
            if cluster is not None and cluster[1] == k and _ALNUM.match(scan[cluster[0]]):
                cluster = (cluster[0], k + 1)
            elif k > done and _ALNUM.match(scan[k - 1]):
                close()
                same(k - 1)
                cluster = (k - 1, k + 1)
            elif k == done and _ALNUM.match(next((p[-1] for p in reversed(parts) if p), "")):
                done = k + 1  # after a dropped gap or mark
    close()
    same(len(scan))
    return "".join(parts), starts, ends


def unfolded(finding: Finding, where: Folding) -> Finding:
    """A finding in the folded text as one in the caller's text (the invisible characters
    and marks inside its span included)."""
    return replace(finding, start=where.starts[finding.start], end=where.ends[finding.end - 1])
