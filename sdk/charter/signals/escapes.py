"""Characters written as escapes: HTML character references, octal, `\\u` and `U+` escapes,
quoted-printable and decimal character codes.

"Decode this and answer it: &#72;&#111;&#119; ..." spells a request one character at a
time, and the surface has no word the classifier knows. Each reader here finds runs of
one kind of escape (code points, however written; bytes; numbers), six or more in a row
with at most a few spaces or punctuation marks between them, which stand for themselves
("&#72;&#105; &#121;&#111;&#117;"), and spells them out; `charter.signals.decode` keeps a
run only when it spells readable text, within its budget, and reads the text again with
its gaps made plain (`plain_gaps`) when it has invisible characters or no-break spaces. A
hint (a substring, or a pattern that starts with a literal) comes first, so prose with a
stray "&amp;", a Windows path or a list of numbers pays a substring check or two.
"""

from __future__ import annotations

import binascii
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.entities import html5

from charter._unicode import visible

_SEP = r"[ \t\r\n,.;:!?'\"()\-]{0,3}"
"""What may stand between two escapes of a run, as itself (spaces and punctuation left
unencoded)."""
_MIN_UNITS = 6


@dataclass(frozen=True)
class EscapeReader:
    """One kind of escape: a cheap test, the pattern of a run, and how a run reads."""

    name: str
    hint: Callable[[str], bool]
    run: re.Pattern[str]
    spell: Callable[[str], str | None]
    """The run spelled out (not yet checked for readability); None when it cannot be."""


_ZEROS = "0{0,64}"
"""Leading zeros, which HTML, CSS and `\\u{...}` allow (found by probing: `&#00000071;`,
`&#x0000047;` and `\\u{0000047}` spelled nothing while `&#71;` was read). Bounded, and a
significant digit follows them, so a failed try backtracks a few steps and `int` never
meets thousands of digits."""
_HTML_UNIT = (
    rf"&#(?:{_ZEROS}[1-9][0-9]{{0,6}}|0{{1,64}}"
    rf"|[xX](?:{_ZEROS}[1-9A-Fa-f][0-9A-Fa-f]{{0,5}}|0{{1,64}}));?"
)
"""A numeric character reference (a named one, "&amp;", spells a sign, not a request)."""


_OCTAL_UNIT = re.compile(r"\\([0-7]{1,3})")


def _octal(run: str) -> str | None:
    """C / Python octal escapes are bytes ("\\303\\251" is é in UTF-8)."""
    raw = bytearray()
    at = 0
    for unit in _OCTAL_UNIT.finditer(run):
        raw += run[at : unit.start()].encode("ascii", "replace")
        value = int(unit.group(1), 8)
        raw.append(value if value <= 0xFF else 0xFF)  # not a byte: read as an invalid one
        at = unit.end()
    raw += run[at:].encode("ascii", "replace")
    return _mostly_valid(bytes(raw).decode("utf-8", "replace"))


_U_ESCAPE = (
    r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
    rf"|\\u\{{{_ZEROS}(?:[1-9A-Fa-f][0-9A-Fa-f]{{0,5}}|0)\}}"
    r"|U\+[0-9A-Fa-f]{4,6}[ ,]?"
)
"""A `U+0043` is written apart from the next one: the space or comma after it is not
part of the text."""
_CODE_POINT_UNIT = f"{_HTML_UNIT}|{_U_ESCAPE}"
"""HTML references are code points too, and one run may mix the kinds (found by probing:
`\\u0047&#105;\\u0076&#101;...`, alternating, read as two kinds, was never six escapes
of either in a row)."""
_U_ESCAPES = re.compile(f"({_U_ESCAPE})")
_HEX_DIGITS = re.compile("[0-9A-Fa-f]+")


def _code_points(run: str) -> str | None:
    """`&#67;`, `&#x43;`, `\\u0043`, `\\U00000043`, `\\u{43}` or `U+0043`: code points (a
    UTF-16 surrogate pair, as JSON writes one, joins; references read as HTML reads them,
    in one call for all those between two other escapes)."""
    pieces = _U_ESCAPES.split(run)  # references and signs, an escape, references and signs...
    pieces[::2] = [html.unescape(piece) for piece in pieces[::2]]
    pieces[1::2] = [_u_escape(piece) for piece in pieces[1::2]]
    spelled = "".join(pieces)
    return _mostly_valid(spelled.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))


def _u_escape(written: str) -> str:
    value = int(_HEX_DIGITS.search(written, 2).group(), 16)  # type: ignore[union-attr]
    return chr(value) if value < 0x110000 else "\ufffd"  # its digits follow "\\u", "\\U", "U+"


_QP_UNIT = r"=[0-9A-Fa-f]{2}(?:=\r?\n)?"
"""An escaped byte, and the soft line break ("=" at a line's end) that may follow it."""


def _quoted_printable(run: str) -> str | None:
    return _mostly_valid(binascii.a2b_qp(run.encode("ascii", "replace")).decode("utf-8", "replace"))


_DECIMAL_UNIT = re.compile(r"\d+")
_DECIMAL_SEP = r"(?:[ \t]{1,2}|[ \t]?[,;|\-][ \t]?|\r?\n)"
"""What separates two codes: spaces, a comma, semicolon, bar or hyphen with a space either
side or none, or a line break (found by probing: "71-105-118" and "71 | 105 | 118" were
not read)."""


def _decimal(run: str) -> str | None:
    """Numbers as code points ("72 105" is "Hi"; JavaScript's `String.fromCharCode`); the
    separators between them are not part of the text. A list of numbers can spell
    something by chance, so the result must read like words: three or more words of
    letters, spaces (32, which the reader's hint looks for) among the gaps, and letters
    and spaces four characters in five."""
    values = [int(n) for n in _DECIMAL_UNIT.findall(run)]
    spelled = "".join(chr(v) if v < 0xD800 or 0xDFFF < v < 0x110000 else "\ufffd" for v in values)
    words = [w for w in spelled.split() if any(c.isalpha() for c in w)]
    wordy = sum(c.isalpha() or c.isspace() for c in spelled)
    spaced = len(words) >= 3 and " " in spelled.strip()
    return spelled if spaced and wordy * 5 >= len(spelled) * 4 else None


def _mostly_valid(spelled: str) -> str | None:
    """`spelled` unless more than one character in ten is an escape that spells no
    character (a byte that is not UTF-8, a lone surrogate, a number past U+10FFFF, read as
    U+FFFD): one such escape in front of a run must not hide the rest of it."""
    return None if spelled.count("\ufffd") * 10 > len(spelled) else spelled


_GAP_ENTITIES = {
    f"&{name}": " " if value.isspace() else ""
    for name, value in html5.items()
    if value.isspace() or (value and not visible(value))
}
"""The named references of a space (`&nbsp;`, `&NonBreakingSpace;`, `&ensp;`, `&emsp;`,
`&thinsp;`...) and of a character that draws as nothing (`&ZeroWidthSpace;`, `&shy;`),
from HTML's own table, so none is left out (found by probing: only `&nbsp;` was)."""
_NAMED_REFERENCE = re.compile(r"&[A-Za-z][A-Za-z0-9]{1,31};|&(?:nbsp|shy)")
"""Any named reference (looked up: one short try per `&`), or one of the two gaps HTML
also reads without the `;`."""
_NO_BREAK_SPACE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def plain_gaps(text: str) -> str:
    """`text` with the characters that draw as nothing, and their named references,
    dropped and no-break spaces (U+00A0 and the other Unicode spaces, and their named
    references) written as a space. Found by probing: words of references joined by
    `&nbsp;`, or a zero-width space between references, broke a run at every gap, and a
    short word is never six escapes. Not the text the readers first read: a dropped
    character may have stood between two numbers."""
    if "&" in text:
        text = _NAMED_REFERENCE.sub(_gap_of, text)
    return text if text.isascii() else _NO_BREAK_SPACE.sub(" ", visible(text))


def _gap_of(reference: re.Match[str]) -> str:
    return _GAP_ENTITIES.get(reference.group(), reference.group())


def _hint(first: str, pattern: str) -> Callable[[str], bool]:
    """A cheap test: one character looked up (memchr: prose without it pays nanoseconds),
    then a pattern that starts with a literal, which `re` finds by a fast scan for it.
    Each hint matches wherever its run's pattern can: two of its escapes with what may
    stand between them."""
    search = re.compile(pattern).search
    return lambda text: first in text and search(text) is not None


def _run(unit: str) -> re.Pattern[str]:
    """Six or more escapes in a row. No lookbehind: a failed try reads at most five
    escapes, so the search stays linear, and a pattern that starts with its escape's first
    character is searched by a fast scan for it. Each escape is read whole, once (an
    atomic group): what may follow one is a separator or the next escape, never more of
    its digits, so reading it shorter finds nothing more, and a failed try no longer tries
    both ways of reading each `;` (the reference's or a separator: 2^5 ways for five)."""
    return re.compile(f"(?>{unit}){_SEP}(?:(?>{unit}){_SEP}){{{_MIN_UNITS - 1},}}")


_AMP_HASH = _hint("&", "&#")
_BACKSLASH_U = _hint("\\", r"\\[uU]")
_U_PLUS = _hint("+", r"U\+")

READERS = (
    EscapeReader(
        "code points",
        lambda text: _AMP_HASH(text) or _BACKSLASH_U(text) or _U_PLUS(text),
        _run(_CODE_POINT_UNIT),
        _code_points,
    ),
    EscapeReader(
        "octal",
        _hint("\\", r"\\[0-7]{1,3}[^\\0-7]{0,3}\\[0-7]"),
        _run(r"\\[0-7]{1,3}"),
        _octal,
    ),
    EscapeReader(
        "quoted-printable",
        _hint("=", r"=[0-9A-Fa-f]{2}(?:=\r?\n)?[^=0-9A-Za-z]{0,3}=[0-9A-Fa-f]"),
        _run(_QP_UNIT),
        _quoted_printable,
    ),
    EscapeReader(
        "decimal codes",
        _hint("3", rf"32{_DECIMAL_SEP}\d"),
        re.compile(
            r"(?<![\d.])(?<!\d[ \t,;|\-\n])(?<!\d[ \t][ \t,;|\-])(?<!\d[,;|\-][ \t])"
            r"(?<!\d\r\n)(?<!\d[ \t][,;|\-][ \t])"
            rf"\d{{1,7}}(?:{_DECIMAL_SEP}\d{{1,7}}){{7,}}"
        ),
        _decimal,
    ),
)
"""The decimal reader's hint is a space's code (32) followed by another number: a text
`_decimal` keeps has a space inside it. Its run starts only at the first number of a list
(the lookbehinds): a list of a few hundred numbers is read once, not from each number."""
