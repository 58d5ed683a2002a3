"""Letters spread out to dodge word filters, joined back: 'k i l l', 'b.o.m.b', 'h🔥o🔥w'.

A run of single letters is read as words: the gap that stands between most of its letters
(one character - a space, a dot, a middle dot, a bullet, an emoji - or a run of spaces)
joins letters, and any other gap is a word break. So 'h o w  d o  i' reads 'how do i',
'd.o I m.a.k.e' reads 'do i make' and 'a b.o.m.b' keeps its article. This needs the text
before its whitespace is collapsed: the wider gap between words is what tells them apart
(collapsed first, 'p i p e  b o m b' fused into one word with everything around it).
"""

from __future__ import annotations

import re
from collections import Counter

_LETTER = r"[a-z](?![^\W_])"
"""A letter standing alone: no letter or digit right after it (`_` separates)."""
_GAP = r"[^\w\\]|_"
"""Anything but a letter, a digit or a backslash (pasted escapes: '\\n\\n\\n' spells nothing)."""
_SPREAD = re.compile(
    rf"(?<![^\W_])(?P<run>{_LETTER}(?:(?:{_GAP}){{1,6}}{_LETTER})+)"
    rf"(?P<tail>(?:{_GAP}){{0,5}}[^\w\s\\](?!\S))?"
)
"""Single letters with short gaps (`_GAP`) between them, and
the punctuation closing the run ('h🔥o🔥w🔥?': the '?' was spread out too; after a run
spread with spaces it stays as typed, 'h o w ?' -> 'how ?', a space people type too)."""
_SPLIT = re.compile("([a-z])")
_GAP_PIECES = re.compile(r"\s+|.", re.DOTALL)
_WORD_MARKS = ("/", "|")
"""Drawn alone between spelled-out words ('h o w / d o', as Morse writes word breaks)."""
_MIN_LETTERS = 3
"""A run is joined when at least three letters in a row stand one letter gap apart, as
before ('i am a b c' -> 'i am abc'); two ('e.g', 'a b') are too common to mean anything."""


def _shape_table() -> bytes:
    """Letters -> "a", digits -> "0", every other byte -> " " (a separator, "_" too), but
    the first byte of a two-byte character -> "0" where all 64 characters it can start are
    letters or digits (Cyrillic, Latin Extended): Russian text, its look-alikes mapped to
    Latin ('пpивeт'), would otherwise look spread out."""
    table = bytearray(b" " * 256)
    for c in range(ord("a"), ord("z") + 1):
        table[c] = ord("a")
    for c in range(ord("0"), ord("9") + 1):
        table[c] = ord("0")
    for lead in range(0xC2, 0xE0):
        first = (lead & 0x1F) << 6
        if all(chr(cp).isalnum() for cp in range(first, first + 64)):
            table[lead] = ord("0")
    return bytes(table)


_SHAPES = _shape_table()
_CONTINUATION = bytes(range(0x80, 0xC0))
"""UTF-8 continuation bytes: deleted, each character leaves one byte in the shapes."""


def despace(text: str) -> str:
    """Join letters spread out to dodge word filters: 'k i l l' -> 'kill'.

    A quick test rules out most texts first: a joined run shows, once every character is
    one byte of its shape and space runs are one space, as " a a a " (a `bytes.translate`,
    a split and a substring test, where the pattern tries every position)."""
    raw = text.encode("utf-8", "surrogatepass").translate(_SHAPES, _CONTINUATION)
    if b" a a a " not in b" %b " % b" ".join(raw.split()):
        return text
    return join_spread(text)


def join_spread(text: str) -> str:
    """`despace` without its quick test (which never changes the result)."""
    return _SPREAD.sub(_joined, text)


def _joined(match: re.Match[str]) -> str:
    parts = _SPLIT.split(match.group("run"))
    letters, gaps = parts[1::2], parts[2:-1:2]
    candidates = Counter(g for g in gaps if len(g) == 1 or g.isspace())
    if not candidates:
        return match.group()
    joint = candidates.most_common(1)[0][0]
    longest = streak = 1
    for gap in gaps:
        streak = streak + 1 if gap == joint else 1
        longest = max(longest, streak)
    if longest < _MIN_LETTERS:
        return match.group()
    pairs = zip(gaps, letters[1:], strict=True)
    words = letters[0] + "".join(_unspread(gap, joint) + letter for gap, letter in pairs)
    tail = match.group("tail") or ""
    return words + (tail if joint.isspace() else _unspread(tail, joint))


def _unspread(gap: str, joint: str) -> str:
    """A gap of a joined run as the text had it: the joint gone ('🔥-🔥' -> '-'), a wider
    space one space, a lone word mark between spaces a space."""
    kept = "".join(
        "" if piece == joint else " " if piece.isspace() else piece
        for piece in _GAP_PIECES.findall(gap)
    )
    if kept.strip() in _WORD_MARKS and gap[0].isspace() and gap[-1].isspace():
        return " "
    return kept
