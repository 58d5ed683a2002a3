"""Context words: the words around a match make it more (or less) likely to be PII.

Same rule as Presidio's context enhancer (+0.35, at least 0.4, at most 1.0), without an NLP
model; when both a context word and a negative one are near, the nearer one decides. The
window is about five words before the match and two after it (Turkish often puts the noun
after the number: "0532 123 45 67 nolu telefon"). Long context words
match word starts (`telefon` matches `telefonum`); words of up to three letters must match
whole (`ip` does not match `ship`).
"""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick_rs

BOOST = 0.35
MIN_WITH_CONTEXT = 0.4
WEAK_BOOST = 0.2
"""What a weak word ("number") adds: enough for a formatted phone number, not for a bare
digit run ("numaram 34007587623" next to a broken TC Kimlik No is not a phone)."""
_CHARS_BEFORE = 48  # ~5 words
_CHARS_AFTER = 24  # ~2 words


def normalize(text: str) -> str:
    """Lowercase that treats Turkish `İ` as `i` (Python lowers it to `i` + a combining dot)."""
    return text.lower().replace("\u0307", "")


_POSITIVE, _NEGATIVE, _WEAK = 1, 2, 4


def _slots(kinds: int) -> tuple[int, ...]:
    """The lists (0 positive, 1 negative, 2 weak) a word with these kind bits is on."""
    return tuple(slot for slot, kind in enumerate((_POSITIVE, _NEGATIVE, _WEAK)) if kinds & kind)


def _is_word(ch: str) -> bool:
    """What the regex `\\w` matches in a str pattern."""
    return ch.isalnum() or ch == "_"


class ContextRule:
    """Raises a score when a context word is near; drops the match when only a negative
    context word is ("sipariş no 12345678950" is an order number, not a TC Kimlik No).
    Weak words ("number", "numara") raise the score only when no negative word is near.

    All three word lists are found in the window in one Aho-Corasick pass. Where several
    words of a list start at the same place, the longest counts; words of up to three
    letters must end at a word boundary, and every word must start one.
    """

    __slots__ = ("_active", "_automaton", "_empty", "_has_negative", "_short", "_slots")

    def __init__(
        self, words: Sequence[str], negative: Sequence[str] = (), weak: Sequence[str] = ()
    ) -> None:
        self._active = bool(words or negative or weak)
        self._has_negative = bool(negative)
        kinds: dict[str, int] = {}
        for group, kind in ((words, _POSITIVE), (negative, _NEGATIVE), (weak, _WEAK)):
            for word in group:
                key = normalize(word)
                kinds[key] = kinds.get(key, 0) | kind
        self._empty = kinds.pop("", 0)
        """Lists holding a word that normalizes to nothing (it stands for a word boundary)."""
        self._slots = tuple(_slots(k) for k in kinds.values())
        self._short = tuple(len(w) <= 3 for w in kinds)
        self._automaton = (
            ahocorasick_rs.AhoCorasick(list(kinds), matchkind=ahocorasick_rs.MatchKind.Standard)
            if kinds
            else None
        )

    @property
    def active(self) -> bool:
        return self._active

    def _distances(self, around: Around) -> tuple[int | None, int | None, int | None]:
        """Distance from the match to the nearest positive, negative and weak word."""
        cached = around.distances
        if cached is not None and cached[0] is self:
            return cached[1]
        window, at = around.window
        size = len(window)
        longest: dict[tuple[int, int], int] = {}  # (list, start) -> end of its longest word
        if self._automaton is not None:
            for index, start, end in self._automaton.find_matches_as_indexes(
                window, overlapping=True
            ):
                if start and window[start - 1].isalnum():
                    continue  # not at a word start
                if self._short[index] and _is_word(window[end - 1]) == (
                    end < size and _is_word(window[end])
                ):
                    continue  # a short word not ending at a word boundary (`ip` in `ship`)
                for slot in self._slots[index]:
                    if longest.get((slot, start), -1) < end:
                        longest[(slot, start)] = end
        if self._empty:  # a word that normalizes to nothing is `\b` alone
            for start in range(size + 1):
                if (start and window[start - 1].isalnum()) or (
                    (start > 0 and _is_word(window[start - 1]))
                    == (start < size and _is_word(window[start]))
                ):
                    continue
                for slot in _slots(self._empty):
                    longest.setdefault((slot, start), start)
        found: list[int | None] = [None, None, None]
        for (slot, start), end in longest.items():
            distance = at - end if end <= at else start - at
            best = found[slot]
            if best is None or distance < best:
                found[slot] = distance
        result = (found[0], found[1], found[2])
        around.distances = (self, result)
        return result

    def apply(self, around: Around, score: float) -> float | None:
        """The adjusted score, or None when negative context rules the match out."""
        if not self._has_negative and score >= 1.0:
            return score
        positive, negative, weak = self._distances(around)
        if positive is not None and (negative is None or positive <= negative):
            return boosted(score)
        if negative is not None:
            return None  # the nearest context word says it is something else
        if weak is not None:
            return min(1.0, score + WEAK_BOOST)
        return score

    def present(self, around: Around) -> bool:
        """A (strong, or weak without a negative) context word is near the match."""
        return self.apply(around, 0.0) not in (None, 0.0)


class Around:
    """The words around one candidate span, cut out once however often they are read
    (a context-required check, a score ceiling and the final score all read them)."""

    __slots__ = ("_text", "_window", "distances", "end", "start")

    def __init__(self, text: str, start: int, end: int) -> None:
        self._text = text
        self.start = start
        self.end = end
        self._window: tuple[str, int] | None = None
        self.distances: tuple[ContextRule, tuple[int | None, int | None, int | None]] | None = None
        """The last rule's distances (`ContextRule._distances`)."""

    @property
    def window(self) -> tuple[str, int]:
        if self._window is None:
            self._window = _window(self._text, self.start, self.end)
        return self._window


def boosted(score: float) -> float:
    return min(1.0, max(score + BOOST, MIN_WITH_CONTEXT))


def _window(text: str, start: int, end: int) -> tuple[str, int]:
    """About five words before and two after, not reaching across a sentence end."""
    before = text[max(0, start - _CHARS_BEFORE) : start].replace("\n", ". ")
    cut = max(before.rfind(". "), before.rfind("! "), before.rfind("? "))
    if 0 <= cut < len(before) - 2:  # "Tel. 0532 ..." keeps "Tel"
        before = before[cut + 2 :]
    after = text[end : end + _CHARS_AFTER].replace("\n", ". ")
    for sep in (". ", "! ", "? "):
        cut = after.find(sep)
        if cut >= 0:
            after = after[:cut]
    before = normalize(before)
    return f"{before} {normalize(after)}", len(before)
