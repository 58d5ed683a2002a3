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
characters are dropped, a letter with its combining marks becomes one character (NFC) and
`%40` between word characters `@`, and a finding's span is mapped back over them, so the
redaction covers the value as the caller wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

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
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""Soft hyphen, zero-width characters, word joiner, direction marks, embeddings,
overrides and isolates."""
_ENCODED_AT = re.compile(r"(?<=[\w.+-])%40(?=\w)")
"""`jane%40example.com`: an e-mail address URL-encoded (in a link's query) reads as one."""
_COMBINING = re.compile("[\u0300-\u036f]")
"""Combining diacritical marks: a letter written with one may have a composed form."""
_DROPPED = re.compile(_INVISIBLE.pattern[:-1] + "\u0300-\u036f]")
"""`_INVISIBLE` or `_COMBINING`: one search tells most texts apart (neither in them)."""


@dataclass(frozen=True, slots=True)
class Folding:
    """For each character of the folded text, the span of the caller's text it came from
    (`ends` None: one character each, `starts[i] + 1`)."""

    starts: list[int]
    ends: list[int] | None = None


def folded(text: str) -> tuple[str, Folding | None]:
    """(the text to scan, and the way back to `text`; None when the offsets are the same).
    ASCII text, the common case, is returned as it is."""
    encoded = "%40" in text and _ENCODED_AT.search(text) is not None
    if text.isascii() and not encoded:
        return text, None
    scan = text.translate(_ONE_FOR_ONE) if _FOLDED.search(text) else text
    if not encoded and _DROPPED.search(scan) is None:
        return scan, None
    compose = _COMBINING.search(scan) is not None and not unicodedata.is_normalized("NFC", scan)
    if not compose and not encoded:
        if _INVISIBLE.search(scan) is None:
            return scan, None
        starts = [i for i, c in enumerate(scan) if not _INVISIBLE.match(c)]
        return "".join(scan[i] for i in starts), Folding(starts)
    return _composed(scan)


def _composed(scan: str) -> tuple[str, Folding]:
    """Invisible characters dropped, an encoded `@` decoded, and each letter composed with
    the combining marks after it; every character of a cluster maps back to all of it."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    encoded = {m.start() for m in _ENCODED_AT.finditer(scan)}
    i, size = 0, len(scan)
    while i < size:
        if _INVISIBLE.match(scan, i):
            i += 1
            continue
        if i in encoded:
            out.append("@")
            starts.append(i)
            ends.append(i + 3)
            i += 3
            continue
        j = i + 1
        while j < size and _COMBINING.match(scan, j):
            j += 1
        cluster = unicodedata.normalize("NFC", scan[i:j]) if j > i + 1 else scan[i]
        out.append(cluster)
        starts += [i] * len(cluster)
        ends += [j] * len(cluster)
        i = j
    return "".join(out), Folding(starts, ends)


def unfolded(finding: Finding, where: Folding) -> Finding:
    """A finding in the folded text as one in the caller's text (the invisible characters
    and combining marks inside its span included)."""
    last = finding.end - 1
    end = where.ends[last] if where.ends is not None else where.starts[last] + 1
    return replace(finding, start=where.starts[finding.start], end=end)
