"""Text spelled in another alphabet: Morse, Braille, the NATO spelling alphabet, upside-down
letters, and ASCII smuggled in invisible characters (Unicode tag characters, variation
selectors, "sneaky bits").

Public scanners hide a request this way (garak's `encoding.InjectMorse`, `InjectBraille`,
`InjectNato`, `InjectUnicodeVariantSelectors`, `InjectSneakyBits`): the surface text has no
word the classifier knows, so it scores the framing alone. Each reader here maps one
alphabet back to letters, and only a run long enough to spell words is read. Cheap tests
come first, so ordinary prose costs a few substring checks.
"""

from __future__ import annotations

import re
from functools import lru_cache

_MORSE = dict(
    zip(
        (  # noqa: SIM905 (one line of codes reads better than 36)
            ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- "
            "...- .-- -..- -.-- --.. .---- ..--- ...-- ....- ..... -.... --... ---.. ----. ----- "
            ".-.-.- --..-- ..--.. -.-.-- .----. -..-. ---... -....-"
        ).split(),
        "abcdefghijklmnopqrstuvwxyz1234567890.,?!'/:-",
        strict=True,
    )
)  # fmt: skip
_MORSE_RUN = re.compile(r"[.\-]{1,7}(?:(?: {1,3}| ?/ ?)[.\-]{1,7}){5,}")
"""Six or more Morse letters separated by spaces, words by " / " (garak's form)."""

_BRAILLE_LETTERS = "⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚⠅⠇⠍⠝⠕⠏⠟⠗⠎⠞⠥⠧⠺⠭⠽⠵"
_BRAILLE = {
    **dict(zip(_BRAILLE_LETTERS, "abcdefghijklmnopqrstuvwxyz", strict=True)),
    "⠲": ".", "⠄": "'", "⠂": ",", "⠤": "-", "⠌": "/", "⠖": "!", "⠦": "?", "⠒": ":",
    "⠰": ";", "⠶": "(",
}  # fmt: skip
_BRAILLE_DIGITS = dict(zip(_BRAILLE_LETTERS[:10], "1234567890", strict=True))
_BRAILLE_CAPS, _BRAILLE_NUMBER = "⠠", "⠼"
_BRAILLE_RUN = re.compile("[\u2800-\u28ff][\u2800-\u28ff ,.!?'-]{5,}")

_NATO_WORDS = (
    "alfa", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliett", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
    "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "whisky", "xray",
    "x-ray", "yankee", "zulu",
)  # fmt: skip
_NATO_RUN = re.compile(
    r"\b(?:(?:" + "|".join(map(re.escape, _NATO_WORDS)) + r")\b[ ,]*){6,}", re.IGNORECASE
)
"""Six or more NATO code words in a row: each stands for its first letter."""
_NATO_HINTS = ("cho", "ango", "lfa", "lpha", "scar", "ndia", "ierra", "otel", "omeo")
"""A run of six code words spelling English all but surely has the code word of one of its
commonest letters (e, t, a, o, i, s, h, r): "Echo" or "echo", "Tango" or "tango", ..."""

_UPSIDE_DOWN = str.maketrans(
    "ɐqɔpǝɟƃɥᴉɾʞɯuɹʇnʌʍʎdb∀Ɔ∩", "abcdefghijkmnrtuvwypqaCU"
)  # fmt: skip
"""Turned letters back to letters; upside-down text also swaps b/q, d/p and n/u."""
_TURNED = re.compile("[ɐɔǝɟƃɥᴉɾʞɯɹʇʌʍʎ∀Ɔ]")
_TURNED_UTF8 = (b"\xc6", b"\xc7", b"\xc9", b"\xca", b"\xe1\xb4\x89", b"\xe2\x88\x80")
"""How the turned letters start in UTF-8 (Turkish letters start with c3, c4 or c5)."""
_SELECTOR_RUN = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]{6,}")
_SNEAKY_RUN = re.compile("[\u2062\u2064\u200b]{16,}")
_BRAILLE_UTF8 = (b"\xe2\xa0", b"\xe2\xa1", b"\xe2\xa2", b"\xe2\xa3")
"""How every Braille pattern (U+2800-U+28FF) starts in UTF-8: a byte search finds them
far faster than a character class scanned over the text."""
_INVISIBLE_UTF8 = (
    b"\xef\xb8",
    b"\xf3\xa0\x84",
    b"\xf3\xa0\x85",
    b"\xf3\xa0\x86",
    b"\xf3\xa0\x87",
    b"\xe2\x81\xa2",
    b"\xe2\x81\xa4",
)
"""Variation selectors (U+FE00-FE0F, U+E0100-E01EF), invisible times and plus (U+2062,
U+2064), as their UTF-8 bytes start."""
_TAG_UTF8 = (b"\xf3\xa0\x80", b"\xf3\xa0\x81")
"""How the tag characters (U+E0000-E007F) start in UTF-8."""
_TAGS = re.compile("[\U000e0000-\U000e007f]+")
_UNTAG = {
    cp: chr(cp - 0xE0000) if 0xE0020 <= cp <= 0xE007E else None for cp in range(0xE0000, 0xE0080)
}
"""Tag characters mirror printable ASCII at U+E0020-E007E; the language tag and CANCEL TAG
(which closes an emoji flag's tags) spell nothing."""


_RARE_LEADS = (b"\xe2", b"\xef", b"\xf3")
"""The first bytes of the Braille patterns and invisible characters above: most
non-English text (Turkish, Cyrillic, CJK) has none of the three, so one scan settles it."""


def _has_any(raw: bytes, prefixes: tuple[bytes, ...]) -> bool:
    return any(prefix in raw for prefix in prefixes)


def morse_payloads(text: str) -> list[str]:
    if ".-" not in text and "-." not in text:
        return []
    found = []
    for run in _MORSE_RUN.finditer(text):
        words = []
        for word in re.split(r" ?/ ?| {3}", run.group()):
            letters = [_MORSE.get(code) for code in word.split()]
            if not letters or None in letters:
                break
            words.append("".join(letters))  # type: ignore[arg-type]
        else:
            decoded = " ".join(words)
            if len(set(decoded) - {" "}) >= 3:  # "- - - . . ." spells nothing
                found.append(decoded)
    return found


def braille_payloads(text: str) -> list[str]:
    found = []
    for run in _BRAILLE_RUN.finditer(text):
        out: list[str] = []
        upper = number = False
        for c in run.group():
            if c == _BRAILLE_CAPS:
                upper = True
            elif c == _BRAILLE_NUMBER:
                number = True
            elif number and c in _BRAILLE_DIGITS:
                out.append(_BRAILLE_DIGITS[c])
                number = False
            else:
                plain = _BRAILLE.get(c, c if c.isascii() else "")
                out.append(plain.upper() if upper else plain)
                upper = number = False
        decoded = "".join(out).strip()
        if " " in decoded:
            found.append(decoded)
    return found


def nato_payloads(text: str) -> list[str]:
    """Letters spelled with the NATO alphabet (garak's form keeps no spaces between the
    words it spells: the letters are read as one run, as the model would read them)."""
    for hint in _NATO_HINTS:
        if hint in text:
            break
    else:
        return []
    return [
        "".join(word[0] for word in re.findall(r"[a-z]+", run.group().lower()) if word != "x")
        for run in _NATO_RUN.finditer(text)
    ]


def invisible_payloads(text: str) -> list[str]:
    """ASCII hidden in variation selectors (one selector per byte, in either of the two
    published mappings) or in invisible times / invisible plus as bits ("sneaky bits")."""
    found = []
    for run in _SELECTOR_RUN.finditer(text):
        decoded = _best_reading(run.group())
        if decoded:
            found.append(decoded)
    for run in _SNEAKY_RUN.finditer(text):
        words = [_bits_to_text(word) for word in run.group().split("\u200b")]
        decoded = " ".join(w for w in words if w)
        if decoded.strip():
            found.append(decoded)
    return found


def tag_payloads(text: str) -> list[str]:
    """ASCII written in Unicode tag characters ("ASCII smuggling"), which draw as nothing.
    All the tags of the text are read in order, as one hidden text, so a message spread
    over the visible one a tag at a time reads whole; it is kept when it spells at least
    four letters (a tag space after each letter spells nothing). The scored surface drops
    the tags (`normalize`): read in place they split and garbled the visible words. The
    text with its tags read in place is a payload too: a model that reads tags reads
    `bo` + tag `m` + `b` as "bomb", which neither the surface nor the hidden text spells
    (review: every second character a tag passed a pipe-bomb request and answer)."""
    tags = _TAGS.findall(text)
    if not tags:
        return []
    hidden = "".join(tags).translate(_UNTAG).strip()
    found = [hidden] if sum(c.isalpha() for c in hidden) >= 4 else []
    return [*found, text.translate(_UNTAG)]


def _best_reading(selectors: str) -> str | None:
    """Variation selectors as bytes: garak maps a byte b to U+E0100 + b; the emoji
    smuggling of Butler (2025) maps b < 16 to U+FE00 + b and the rest to U+E0100 + b - 16.
    Whichever reading gives more letters and spaces is the one meant."""
    readings = []
    for base_high in (0, 16):
        out = []
        for c in selectors:
            cp = ord(c)
            value = cp - 0xFE00 if cp <= 0xFE0F else cp - 0xE0100 + base_high
            out.append(chr(value) if 0x20 <= value < 0x7F or value in (9, 10) else "")
        readings.append("".join(out))
    best = max(readings, key=lambda r: sum(c.isalpha() or c == " " for c in r))
    return best if sum(c.isalpha() for c in best) >= 4 else None


_MAX_WORD_BITS = 7 * 48
"""A hidden word of more than 48 characters is not a word: left unread (the reading is
quadratic in a word's length)."""


def _bits_to_text(word: str) -> str:
    if not word or len(word) > _MAX_WORD_BITS:
        return ""
    return _parse_bits("".join("0" if c == "\u2062" else "1" for c in word))


@lru_cache(maxsize=256)
def _parse_bits(bits: str) -> str:
    """Characters written as `bin(ord(c))` without padding, one after another: each starts
    with a 1 and has 6 or 7 bits (printable ASCII); the reading with most letters wins."""
    best: list[tuple[int, str] | None] = [None] * (len(bits) + 1)
    best[0] = (0, "")
    for i in range(len(bits)):
        here = best[i]
        if here is None or bits[i] != "1":
            continue
        for width in (6, 7):
            if i + width <= len(bits):
                c = chr(int(bits[i : i + width], 2))
                score = here[0] + (2 if c.isalpha() else 1)
                now = best[i + width]
                if now is None or score > now[0]:
                    best[i + width] = (score, here[1] + c)
    end = best[len(bits)]
    return end[1] if end is not None else ""


def upside_down_payloads(text: str) -> list[str]:
    """Text written upside down ("ɯoʇ ɐ ʎɐs": turned letters, in reverse order), read
    right side up, when it holds at least four turned letters."""
    if len(_TURNED.findall(text)) < 4:
        return []
    decoded = text[::-1].translate(_UPSIDE_DOWN)
    return [decoded] if " " in decoded.strip() else []


def alphabet_payloads(text: str) -> list[str]:
    """Every run of `text` written in one of these alphabets, read back as letters. The
    non-ASCII alphabets are looked for only where the text's UTF-8 has their first bytes
    (encoded once, here: the readers themselves scan with their patterns)."""
    found = morse_payloads(text) + nato_payloads(text)
    if text.isascii():
        return found
    raw = text.encode("utf-8", "surrogatepass")
    if _has_any(raw, _RARE_LEADS):
        if _has_any(raw, _BRAILLE_UTF8):
            found += braille_payloads(text)
        if _has_any(raw, _INVISIBLE_UTF8):
            found += invisible_payloads(text)
        if _has_any(raw, _TAG_UTF8):
            found += tag_payloads(text)
    if _has_any(raw, _TURNED_UTF8):
        found += upside_down_payloads(text)
    return found
