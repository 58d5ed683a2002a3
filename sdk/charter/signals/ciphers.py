"""Whole-text ciphers: rot13, ROT47, Atbash and reversed text, recognised by what they hide.

A run decoder finds base64 by its alphabet; a letter cipher leaves letters letters, so
there is nothing to find on the surface. What gives it away is the other side: the
deciphered text is full of the commonest English words ("how", "to", "the", "a") where
the surface had almost none. A letter count settles most texts (a cipher moves English's
commonest letters); only a suspect pays for the word test, sentence by sentence over its
first 600 characters. A text that names rot13 or a Caesar cipher in its first 600 characters is
deciphered whatever the test says, as before.
"""

from __future__ import annotations

import codecs
import re
import string

_COMMON = frozenset((
    "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for",
    "with", "from", "about", "into", "over", "as", "is", "are", "was", "were", "be", "been",
    "being", "am", "do", "does", "did", "have", "has", "had", "can", "could", "will",
    "would", "should", "shall", "may", "might", "must", "i", "you", "he", "she", "it", "we",
    "they", "me", "him", "her", "us", "them", "my", "your", "his", "its", "our", "their",
    "this", "that", "these", "those", "what", "which", "who", "whom", "whose", "how", "why",
    "where", "when", "there", "here", "not", "no", "yes", "so", "than", "then", "too",
    "very", "just", "all", "any", "some", "each", "every", "more", "most", "much", "many",
    "other", "such", "only", "own", "same", "get", "got", "make", "made", "give", "tell",
    "write", "explain", "show", "find", "need", "want", "know", "use", "please", "step",
    "steps", "way", "ways", "best", "someone", "something", "people", "person", "one",
    "two", "like", "without", "into", "out", "up", "down", "off", "again", "also",
))  # fmt: skip
_ATBASH = str.maketrans(
    string.ascii_lowercase + string.ascii_uppercase,
    string.ascii_lowercase[::-1] + string.ascii_uppercase[::-1],
)
_ROT47 = bytes.maketrans(
    bytes(range(33, 127)), bytes(33 + (c - 33 + 47) % 94 for c in range(33, 127))
)
"""On the UTF-8 bytes: a multi-byte character's bytes are all above 127, left as they are."""
_SAMPLE_CHARS = 600
_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation + "“”‘’«»"})
_SENTENCES = re.compile(r"[\n:?!.]\s")
"""Where a framing sentence ("What does this mean?") ends and the ciphered part begins."""
_ROT13_HINT = re.compile(r"\brot ?-?(?:13|ie)\b|\bcaesar\b", re.IGNORECASE)


def rot13(text: str) -> str:
    return codecs.encode(text, "rot13")


def rot47(text: str) -> str:
    """Every printable ASCII character but the space moved 47 places along the 94."""
    return text.encode("utf-8", "surrogatepass").translate(_ROT47).decode("utf-8", "surrogatepass")


def atbash(text: str) -> str:
    return text.translate(_ATBASH)


def reverse(text: str) -> str:
    return text[::-1]


CIPHERS = (rot13, atbash, reverse, rot47)


def _common_share(text: str) -> tuple[int, int]:
    """(common English words, words) in `text` (the loops run in C)."""
    words = text.translate(_PUNCTUATION).lower().split()
    return sum(map(_COMMON.__contains__, words)), len(words)


def _lettered(text: str) -> bool:
    """Four words in five are letters alone (punctuation around them aside). ROT47 turns
    digits into the letters a-h, `:` into i and `-` into a sign: a table of dates and
    counts deciphers into lone "a"s and "i"s among words like "a_ae\\_e"."""
    words = text.split()
    return sum(w.strip(string.punctuation).isalpha() for w in words) * 5 >= len(words) * 4


def rot13_hinted(text: str, low: str | None = None) -> bool:
    """The text names rot13 / a Caesar cipher, so decoding it is worth a look (`low`: the
    text in lowercase, when the caller has it)."""
    low = text.lower() if low is None else low
    return ("rot" in low or "caesar" in low) and _ROT13_HINT.search(text) is not None


_REVERSED_END = re.compile(r"[a-z]{2}[A-Z]\W*$")
"""A sentence written backwards ends with its first word's capital ("...nac woH")."""


def _looks_ciphered(sample: str, low: str, tail: str) -> tuple[bool, bool, bool, bool]:
    """Whether `sample` (a text's start; `low`, the same in lowercase; `tail`, its end)
    might hide English under rot13, Atbash, reversal or ROT47: each cipher moves
    English's commonest letters (e, t) to rarer ones (rot13: r, g; Atbash: v, g; ROT47:
    e, a, o, i, n to 6, 2, @, :, ?, and t to E, so its e and t are counted in the
    sample's own case, and its @ and ? must be one in 32 of the characters that are not
    spaces, which dates and prices are not), and reversal turns its commonest word around
    ("the" -> "eht"). A loose, cheap test (str.count runs in C); the word test decides."""
    e, t = low.count("e"), low.count("t")
    rot = low.count("r") + low.count("g")
    atb = low.count("v") + low.count("g")
    backward = low.count("eht") > low.count("the")
    r47 = sum(map(sample.count, "62@:?"))
    signs = sample.count("@") + sample.count("?")  # o and n: none in a table of numbers
    return (
        rot > e + t,
        atb * 2 > e + t,
        backward or _REVERSED_END.search(tail) is not None,
        r47 > sample.count("e") + sample.count("t")
        and signs * 32 > len(sample) - sample.count(" "),
    )


def deciphered(text: str) -> list[str]:
    """The whole of `text` under each cipher that turns one of its first sentences into
    English: a sentence of three words or more, at most a sixth of them common, which the
    cipher turns into one where a third are (and twice as many, plus two). ROT47 moves
    the signs too ("in " is ":? "), so its sentences are also read where the deciphered
    text's end (each cipher here is its own inverse), the words are counted on the
    deciphered sentence (its signs split a word on the surface), and that sentence must
    be words of letters (`_lettered`)."""
    sample = text[:_SAMPLE_CHARS]
    low = sample.lower()
    hinted = rot13_hinted(sample, low)
    found = [rot13(text)] if hinted else []
    suspects = [
        cipher
        for cipher, maybe in zip(CIPHERS, _looks_ciphered(sample, low, text[-8:]), strict=True)
        if maybe and not (cipher is rot13 and hinted)
    ]
    if not suspects:
        return found
    tries = [(line, c) for line in _SENTENCES.split(sample) for c in suspects if c is not rot47]
    if rot47 in suspects:
        lines = _SENTENCES.split(sample) + list(map(rot47, _SENTENCES.split(rot47(sample))))
        tries += [(line, rot47) for line in dict.fromkeys(lines)]
    for line, cipher in tries:
        common, words = _common_share(line)
        if words < 3 or common * 6 >= words:
            continue  # too short to tell, or English already
        plain = cipher(line)
        hits, read = _common_share(plain)
        if cipher is rot47 and not _lettered(plain):
            continue
        if hits >= 3 and hits * 3 >= read and hits >= 2 * common + 2:
            whole = cipher(text)
            if whole not in found:
                found.append(whole)
    return found
