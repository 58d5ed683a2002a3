"""Text normalisation for the heuristic detectors, done once per text.

Attackers dodge keyword filters with case, spacing, invisible characters, look-alike
letters from other scripts and leetspeak ("1gn0re prev10us 1nstruct10ns"). Folding all of
that into one plain lowercase ASCII-ish form lets a single set of patterns catch the
variants, and keeps Turkish patterns diacritic-free ("önceki" -> "onceki").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache

from charter._unicode import char_class, invisible_points, lead_bytes, mark_ranges
from charter.signals.decode import payloads
from charter.signals.lookalikes import latin_lookalikes, unmix
from charter.signals.spacing import despace

_LOOKALIKES = {
    # Cyrillic (this table alone decides Cyrillic and Greek: `charter.signals.lookalikes`)
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
    "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Turkish dotless i (no decomposition); the rest of Turkish folds through NFKD
    "ı": "i",
    # Small capitals ("ʜᴏᴡ ᴅᴏ ɪ"), which have no decomposition either
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    # Typographic quotes and dashes
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
}  # fmt: skip

_COMBINING_MARKS = range(0x0300, 0x0370)


@cache
def _unicode_fold() -> dict[int, str | None]:
    """Built on the first text that is not ASCII once accents are gone (one-off scans of
    Unicode's format characters and confusables), so importing the guard stays cheap."""
    table: dict[int, str | None] = dict.fromkeys(invisible_points())
    table.update({cp: None for cp in _COMBINING_MARKS})
    table.update(latin_lookalikes())
    table.update({ord(k): v for k, v in _LOOKALIKES.items()})
    # Letters as symbols with no decomposition: negative circled and negative squared
    # capitals (🅗🅞🅦, 🅷🅾🆆) and regional indicators (🇭🇴🇼, the letters of flags).
    for first in (0x1F150, 0x1F170, 0x1F1E6):
        table.update({first + i: chr(ord("a") + i) for i in range(26)})
    return table


_LEET_FOLD = str.maketrans("013457$", "oieasts")
"""Not `@`: e-mail addresses must survive for the exfiltration patterns (the classifier's
texts read an `@` inside a word as `a`: `unleet_at`)."""


_ACCENTS = re.compile("[\u0300-\u036f]+")


def fold_unicode(text: str) -> str:
    """Compatibility-decompose, drop accents, combining marks on Latin letters and
    invisibles (every default-ignorable code point and format character, `charter._unicode`:
    ASCII hidden in tag characters is read apart, as a payload, by
    `alphabets.tag_payloads`), map look-alikes to Latin (the hand table below, and
    Unicode's confusables where that is safe: `charter.signals.lookalikes`).

    Fast path: accented Latin (Turkish, most European text) is plain ASCII once the
    combining marks and the dotless i are gone; only what is still not ASCII then needs
    the (slower, per character) translation table, which would leave ASCII unchanged."""
    text = _ACCENTS.sub("", unicodedata.normalize("NFKD", text)).replace("ı", "i")
    if text.isascii():
        return text
    text = text.translate(_unicode_fold())
    if text.isascii():
        return text
    raw = text.encode("utf-8", "surrogatepass")
    text = unmix(text, raw)
    if len(raw.translate(None, _mark_leads())) == len(raw):
        return text  # no combining mark can be in it (most Cyrillic text)
    return _marks_on_latin().sub(r"\1", text)


@cache
def _mark_leads() -> bytes:
    return lead_bytes(mark_ranges())


@cache
def _marks_on_latin() -> re.Pattern[str]:
    """Combining marks (Mn, Me) on an ASCII character, once look-alikes are mapped: Zalgo
    text and marks from U+1AB0-1AFF, U+1DC0-1DFF, U+20D0-20FF or U+FE20-FE2F stacked on
    letters ('k\\ufe20i\\ufe20l\\ufe20l'). Marks on letters of other scripts are kept:
    there they spell (Devanagari and Thai vowel signs, the kana voicing marks). The pattern
    opens with the ASCII character, not a lookbehind, so the regex engine skips straight to
    the ASCII characters of a text in another script."""
    return re.compile(f"([\x00-\x7f]){char_class(mark_ranges())}+")


def normalize(text: str) -> str:
    """The form every heuristic pattern is written against.

    Lowercase; accents and invisible characters removed; Cyrillic/Greek look-alikes
    and fullwidth/mathematical letters mapped to Latin; leetspeak digits folded to letters
    (0->o, 1->i, 3->e, 4->a, 5->s, 7->t, $->s); whitespace runs collapsed to one space.
    """
    return " ".join(_folded(text).split())


def _folded(text: str) -> str:
    """`normalize` with its whitespace as it was (which `despace` reads word breaks from)."""
    if not text.isascii():
        text = fold_unicode(text)
    return text.lower().translate(_LEET_FOLD)


def scoring_text(text: str, found: Sequence[str] | None = None) -> str:
    """What the classifier reads: the normalized, de-spaced text, followed by the
    normalized form of every payload hidden in it (`charter.signals.decode.payloads`, or
    `found` when the caller decoded them already)."""
    found = payloads(text) if found is None else found
    parts = [" ".join(despace(unleet_at(_folded(part))).split()) for part in (text, *found)]
    return " \n ".join(p for p in parts if p)


_AT_WORD = re.compile(r"(?<![^\s\"'(])[a-z0-9]+(?:@[a-z0-9]+)+(?=[\s,!?;\"')]|\.(?![a-z0-9])|$)")
"""'m@ke', 'b@mb.': a word of letters and digits with `@` inside, standing alone between
spaces or sentence punctuation. Not an e-mail address (a dot and its domain follow), which
the exfiltration patterns read, nor `actions/checkout@v4`, `[root@host ~]#` or
`postgres://app@db:5432`, pasted from a terminal or a config."""


def unleet_at(text: str) -> str:
    """Read an `@` inside a word as the `a` it stands for ('m@ke a b@mb')."""
    return _AT_WORD.sub(lambda m: m.group().replace("@", "a"), text) if "@" in text else text


_LEET_WORD = re.compile(r"\b(?=[a-z0-9]*[a-z])(?=[a-z0-9]*[0-9])[a-z0-9]+\b")


def unleet_words(text: str) -> str:
    """Fold leetspeak only inside words that mix letters and digits ('b0mb', 'h4ck'), so
    numbers ('2024', '500 mg') keep their meaning for a model that reads them."""
    return _LEET_WORD.sub(lambda m: m.group().translate(_LEET_FOLD), text)


def context_text(text: str, found: Sequence[str] | None = None) -> str:
    """What the contextual encoder reads: like `scoring_text`, but numbers stay numbers
    (the encoder was pretrained on real words and digits)."""
    found = payloads(text) if found is None else found

    def fold(part: str) -> str:
        if not part.isascii():
            part = fold_unicode(part)
        return " ".join(despace(unleet_words(unleet_at(part.lower()))).split())

    parts = [fold(text), *(fold(p) for p in found)]
    return " \n ".join(p for p in parts if p)
