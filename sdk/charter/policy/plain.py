"""The text the policy's word rules read (`input.text`, `input.user_text`): what a reader
sees, not every code point sent.

The topic and special-category rules match whole words (`lib.words` in the bundle), and a
word is a run of letters and digits. Probing found one zero-width space, soft hyphen, word
joiner or NUL inside a word ("ev\\u200bade ta\\u200bxes", "Ya\\u00adtırım tavsiyesi") let
every such request through, unseen by the reader and the model alike; so did a combining
acute inside a word, which composition fused with its letter ("di\\u0301agnosed" became
"díagnosed", a letter `lib.fold` keeps, where it drops a mark standing alone). So the
policy is given the text composed (NFC), then without the code points that draw as nothing
(`charter._unicode.invisible_points`), without control characters other than whitespace
(a form feed still parts two words), without combining marks (Mn, Me) left standing alone,
and with each Latin letter or digit that carries marks written as the plain one ("í" as
"i"). The letters `lib.fold` maps itself (Turkish ç ğ ö ş ü, â î û, İ) stay as written, so
the rules still tell Turkish text (harm's `support_lang`); composed letters of other
scripts keep their marks (Cyrillic й, kana が), since there a mark spells another letter.

Compatibility forms are read as the letters they stand for (found by probing: fullwidth
"Ｉ ｗａｓ ｄｉａｇｎｏｓｅｄ", long s "waſ diagnoſed", modifier letters "diagnosᵉd" were
allowed where the plain text was denied): each code point is first written as its NFKC
form, a character at a time, and only where that is at most three characters, so no text
grows more than threefold (NFKC writes U+FDFA as 18). Latin letters with a stroke, which
no normalization takes apart ("diagnøsed"), are read as their base letter (`STROKES`).
The Turkish ı and İ stay as written: NFKC keeps them, and `STROKES` leaves them out.
Only the policy's copy: the model gets the text as sent, and the record hashes that.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from charter._canonical import valid_text
from charter._unicode import invisible_points, mark_ranges

__all__ = ["policy_text"]

FOLDED_BY_RULES = "çğöşüâîûÇĞÖŞÜÂÎÛİ"
"""Letters with a mark that `lib.fold` (turkish_ascii) maps to ASCII itself."""

STROKES: dict[int, str] = {ord(c): b for c, b in zip("øØłŁđĐħĦŧŦ", "oOlLdDhHtT", strict=True)}
"""Latin letters with a stroke or bar, which have no decomposition: read as the base."""

_MAX_COMPAT = 3
"""The longest NFKC form a code point is written as (module docstring)."""

_ASCII_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f]")
"""The ASCII controls that are not whitespace (`str.isspace`), which the table drops."""


def policy_text(text: str) -> str:
    """`text` as the policy's word rules read it (see the module): valid, compatibility
    forms and stroked letters as plain ones, composed (NFC), without invisible code points,
    non-whitespace controls and combining marks."""
    text = valid_text(text)
    if text.isascii() and _ASCII_CONTROL.search(text) is None:
        return text  # most text: nothing to take out
    text = unicodedata.normalize("NFC", text.translate(_compatible()))
    return text.translate(_table())


@cache
def _compatible() -> dict[int, str]:
    """Built once: each code point with a compatibility decomposition as its NFKC form,
    where that is at most `_MAX_COMPAT` characters (module docstring)."""
    table: dict[int, str] = {}
    for cp in range(0xA0, 0x20000):  # no code point above plane 1 has one
        char = chr(cp)
        decomposition = unicodedata.decomposition(char)
        if decomposition.startswith("<"):
            folded = unicodedata.normalize("NFKC", char)
            if folded != char and len(folded) <= _MAX_COMPAT:
                table[cp] = folded
    return table


@cache
def _table() -> dict[int, str | None]:
    """Built once: each code point dropped (None) or a marked Latin letter as its base."""
    table: dict[int, str | None] = dict.fromkeys(invisible_points())
    table.update((cp, None) for cp in (*range(0x20), *range(0x7F, 0xA0)) if not chr(cp).isspace())
    table.update((cp, None) for low, high in mark_ranges() for cp in range(low, high + 1))
    for cp in range(0x80, 0x20000):  # planes 0 and 1 hold every letter that decomposes
        char = chr(cp)
        if char in FOLDED_BY_RULES or not _canonical(char):
            continue
        parts = unicodedata.normalize("NFD", char)
        base = "".join(c for c in parts if unicodedata.category(c) not in ("Mn", "Me"))
        base = base.translate(STROKES)  # ǿ: ø with an acute
        if base != parts and len(base) == 1 and base.isascii() and base.isalnum():
            table[cp] = base
    table.update(STROKES)
    return table


def _canonical(char: str) -> bool:
    decomposition = unicodedata.decomposition(char)
    return bool(decomposition) and not decomposition.startswith("<")
