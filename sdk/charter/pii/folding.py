"""The text as the recognizers read it: odd spaces as spaces, full-width forms as ASCII,
invisible characters gone, with the way back to the caller's offsets.

An IBAN grouped with no-break spaces (as bank sites print it), a phone number with narrow
no-break spaces, a national ID typed in full-width digits or with zero-width spaces inside
read as nothing to regexes written for ASCII: probing found all of them passing through
unredacted, and the national-ID rule not firing. Spaces and full-width forms map one
character to one, so offsets do not move; invisible characters are dropped and a finding's
span is mapped back over them, so the redaction covers the value as the caller wrote it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from charter.pii.findings import Finding

_ONE_FOR_ONE: dict[int, int] = {
    **{c: 0x20 for c in (0x00A0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B))},
    **{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)},  # full-width ASCII forms
}
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]")
_FOLDED = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\uff01-\uff5e]")
"""The characters `_ONE_FOR_ONE` maps: searched first (C speed), because `str.translate`
with a table walks a non-ASCII text character by character in Python's lookup loop."""


def folded(text: str) -> tuple[str, list[int] | None]:
    """(the text to scan, and for each of its characters the index in `text`; None when
    they are the same indexes). ASCII text, the common case, is returned as it is."""
    if text.isascii():
        return text, None
    scan = text.translate(_ONE_FOR_ONE) if _FOLDED.search(text) else text
    if _INVISIBLE.search(scan) is None:
        return scan, None
    where = [i for i, c in enumerate(scan) if not _INVISIBLE.match(c)]
    return "".join(scan[i] for i in where), where


def unfolded(finding: Finding, where: list[int]) -> Finding:
    """A finding in the folded text as one in the caller's text (the invisible characters
    inside its span included)."""
    return replace(finding, start=where[finding.start], end=where[finding.end - 1] + 1)
