"""Letters that look like Latin ones beyond `normalize`'s hand table, read as Latin where
that is safe: Unicode's confusables (UTS #39, `charter._unicode.confusable_prototypes`).

Probing hid requests behind Armenian `օ` (o), `ս` (u), `ց` (g), `հ` (h), `ո` (n) and Latin
alpha `ɑ`, none in the hand table. Mapping every confusable everywhere would turn a text
written in another script into Latin gibberish the classifier then misreads (Armenian
prose is full of `օ`, `ս`, `ո`), so where a character is mapped depends on its script:

- other Latin letters (`ɑ`, `ɩ`, `ʋ`): everywhere, like accents; no text is written in
  them but Latin text;
- letters of other scripts (Armenian, Cherokee, Lisu, Coptic, ...): only in a text where
  one stands inside a word next to an ASCII letter (once the hand table is applied), as no
  natural language writes them: that text is an attempt, and all of its look-alikes are
  read (the attempt's 'օո' for 'on' too), while Armenian prose stays Armenian;
- Cyrillic and Greek: the hand table only, as before. Every Russian or Greek text is read
  through it and the models were trained on that reading; more of their letters (`г`)
  would reach every Russian word the table already half-maps.

A class holding two ASCII letters (`l`, `I`, `1`, `|`) maps to neither, and turned letters
(upside-down text's) map to nothing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from charter._unicode import (
    char_class,
    confusable_prototypes,
    lead_bytes,
    mark_ranges,
    ranges_of,
)

_OWN_TABLE = frozenset({"CYRILLIC", "GREEK"})
_TURNED = " TURNED "
"""`ɯ` (turned m) looks like w, `ʍ` (turned w) like m: in upside-down text, which is where
they are found and which `alphabets` reads right side up, they stand for m and w."""


@cache
def _by_script() -> tuple[dict[int, str], dict[int, str]]:
    """(Latin look-alikes, other scripts' look-alikes): code point -> ASCII letter."""
    classes: dict[str, set[str]] = {}
    for char, prototype in confusable_prototypes().items():
        classes.setdefault(prototype, {prototype}).add(char)
    latin: dict[int, str] = {}
    other: dict[int, str] = {}
    for members in classes.values():
        letters = {m.lower() for m in members if len(m) == 1 and m.isascii() and m.isalpha()}
        if len(letters) != 1:
            continue
        (letter,) = letters
        for m in members:
            if len(m) != 1 or m.isascii() or unicodedata.normalize("NFKD", m) != m:
                continue  # decomposed before it is looked up
            name = unicodedata.name(m, "")
            if _TURNED in name:
                continue  # upside-down text's letters: `alphabets` reads it right side up
            script = name.partition(" ")[0]
            if script == "LATIN":
                latin[ord(m)] = letter
            elif script not in _OWN_TABLE:
                other[ord(m)] = letter
    return latin, other


def latin_lookalikes() -> dict[int, str]:
    """Latin letters outside ASCII that look like one ASCII letter: mapped everywhere."""
    return _by_script()[0]


@cache
def _touching() -> re.Pattern[str]:
    """An other-script look-alike next to an ASCII letter (combining marks between
    allowed). It opens with a character class, so the regex engine skips straight to the
    characters that can start it: prose in Arabic or Armenian is read in one quick pass."""
    looks = char_class(ranges_of(_by_script()[1]))
    marks = char_class(mark_ranges())
    return re.compile(f"[A-Za-z]{marks}*{looks}|{looks}{marks}*[A-Za-z]")


_ASCII_LETTER = re.compile("[A-Za-z]")


@cache
def _look_leads() -> bytes:
    return lead_bytes(ranges_of(_by_script()[1]))


def unmix(text: str, raw: bytes) -> str:
    """Other scripts' look-alikes read as Latin in a text where one stands in a word next to
    an ASCII letter ('pօisօn' -> 'poison'), the words written in look-alikes alone too
    ('օո' for 'on'); any other text is left as written. `raw` is the text's UTF-8 (cheapest
    tests first: Russian prose, say, has none of their first bytes in UTF-8)."""
    if len(raw.translate(None, _look_leads())) == len(raw) or not _ASCII_LETTER.search(text):
        return text
    return text.translate(_by_script()[1]) if _touching().search(text) else text
