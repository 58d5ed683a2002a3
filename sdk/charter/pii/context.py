"""Context words: the words around a match make it more (or less) likely to be PII.

Same rule as Presidio's context enhancer (+0.35, at least 0.4, at most 1.0), without an NLP
model; when both a context word and a negative one are near, the nearer one decides (for a
rule whose words name the value, `decisive`, the context word wins wherever it is). The
window is about five words before the match and two after it (Turkish often puts the noun
after the number: "0532 123 45 67 nolu telefon"). A word matches whole words only (`part`
does not match `partner`, `ip` not `ship`); a word ending in `*` is a stem and matches word
starts (`telefon*` matches `telefonum`), as in the policy's word lists.

A negative word rules out an ambiguous match (a bare digit run could be an order number).
A value that stands on its own (`sure`: a TC Kimlik No with valid check digits, a phone
number written with its trunk or international prefix) is ruled out only by a negative
word that labels it (`sipariş no 12345678950`, `12345678950 nolu sipariş`); probing found
one such word anywhere near (`İşlemimle ilgili 0532 123 45 67 ...`) dropping it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

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


def _compile(words: Sequence[str]) -> re.Pattern[str] | None:
    # Alternatives that all start with a literal let the regex engine skip ahead at C
    # speed; the word-start boundary is checked on the match (see `_nearest`).
    if not words:
        return None
    parts = [
        re.escape(w[:-1]) if w.endswith("*") else re.escape(w) + r"(?!\w)"
        for w in sorted({normalize(w) for w in words}, key=len, reverse=True)
    ]
    return re.compile("|".join(parts))


_LABEL_WORD = r"(?:no|nr|num|number|numara\w*|nolu|no'lu|id|kod\w*|code)"
_LABEL_GAP = re.compile(rf"[\s:#.'’-]*(?:{_LABEL_WORD}[\s:#.'’-]*)?")
"""What may stand between a negative word and the value it labels: `sipariş no`,
`order #`, `takip kodu:`, `12345678950 nolu sipariş`."""
_WORD_REST = re.compile(r"\w*")
_GENERIC = re.compile(_LABEL_WORD)


def _label_of(negative: Sequence[str]) -> re.Pattern[str] | None:
    """A negative word and the separators up to the end of the searched text: a context
    word right after it (`order id`, `ticket no`) belongs to its label."""
    pattern = _compile(negative)
    if pattern is None:
        return None
    return re.compile(rf"(?<!\w)(?:{pattern.pattern})\w*[\s:#.'’-]*\Z")


def _labels(pattern: re.Pattern[str], window: str, at: int) -> bool:
    """A word of `pattern` labels the match at `at`: right before it or right after it,
    only a label's filler between (`no`, `#`, `numarası`)."""
    pos = 0
    while (match := pattern.search(window, pos)) is not None:
        start = match.start()
        pos = start + 1
        if start and window[start - 1].isalnum():
            continue
        if match.end() <= at:  # before: skip the rest of the word (`siparişimin no`)
            rest = _WORD_REST.match(window, match.end()).end()  # type: ignore[union-attr]
            gap = window[rest:at] if rest <= at else ""
        else:
            gap = window[at:start]
        if _LABEL_GAP.fullmatch(gap):
            return True
    return False


def _nearest(
    pattern: re.Pattern[str], window: str, at: int, label: re.Pattern[str] | None = None
) -> int | None:
    """Distance from `at` (where the match sits in the window) to the nearest context word
    that starts a word; None when there is none. A generic word (`id`, `no`) that `label`
    ends right before is part of that label, not a context word: found by probing, "my
    order id is 48291037F" read `id` as a national ID's word, nearer than `order`."""
    best: int | None = None
    pos = 0
    while (match := pattern.search(window, pos)) is not None:
        start = match.start()
        if start == 0 or not window[start - 1].isalnum():
            if (
                label is not None
                and _GENERIC.fullmatch(match.group())
                and label.search(window, 0, start)
            ):
                pos = start + 1
                continue
            distance = at - match.end() if match.end() <= at else start - at
            best = distance if best is None else min(best, distance)
        pos = start + 1
    return best


Beside = Callable[[str, int, int], bool]
"""Reads what stands right next to a span (text, start, end): True rules the match out."""
Sure = Callable[[str], bool]
"""Says a matched value stands on its own (`RecognizerSpec.sure`)."""


class ContextRule:
    """Raises a score when a context word is near; drops the match when only a negative
    context word is ("sipariş no 12345678950" is an order number, not a TC Kimlik No) or
    when `beside` says what stands next to it makes it something else (`2.500.000 TL`).
    Weak words ("number", "numara") raise the score only when no negative word is near.

    `decisive`: the context words name the value itself (`ssn`, `ni number`), so one
    anywhere near keeps it, however near a negative word is: found by probing, "SSN for my
    order: 536-22-1234" and "My SSN is 536-22-1234, ticket attached" were dropped as order
    numbers, the order word nearer; it says what the value is for, not what it is."""

    __slots__ = ("_beside", "_decisive", "_label", "_negative", "_positive", "_weak")

    def __init__(
        self,
        words: Sequence[str],
        negative: Sequence[str] = (),
        weak: Sequence[str] = (),
        beside: Beside | None = None,
        *,
        decisive: bool = False,
    ) -> None:
        self._decisive = decisive
        self._positive = _compile(words)
        self._negative = _compile(negative)
        self._label = _label_of(negative)
        self._weak = _compile(weak)
        self._beside = beside

    @property
    def active(self) -> bool:
        parts = (self._positive, self._negative, self._weak, self._beside)
        return any(p is not None for p in parts)

    def settled(self, score: float) -> bool:
        """No word can change `score`: it is already 1.0 and there are no negative words."""
        return self._negative is None and self._beside is None and score >= 1.0

    def apply(self, around: Around, score: float, *, sure: Sure | None = None) -> float | None:
        """The adjusted score, or None when negative context rules the match out (for a
        value `sure` says stands on its own, only a negative word that labels it: see the
        module docstring) or `beside` does."""
        if self.settled(score):
            return score
        cached = around.distances
        if cached is not None and cached[0] is self:
            distances = cached[1]
        else:
            distances = self._distances(*around.window)
            around.distances = (self, distances)  # for the next recognizer with this rule
        adjusted = _decide(distances, score, self._decisive)
        if adjusted is None and sure is not None:
            adjusted = self._unless_labelled(distances, score, sure, around.text, around.start,
                                             around.end, around.window)  # fmt: skip
        if adjusted is None or self._beside is None:
            return adjusted
        return None if self._beside(around.text, around.start, around.end) else adjusted

    def apply_at(
        self, text: str, start: int, end: int, score: float, *, sure: Sure | None = None
    ) -> float | None:
        """`apply` for a span that no other step reads: nothing is kept."""
        if self.settled(score):
            return score
        window = _window(text, start, end)
        distances = self._distances(*window)
        adjusted = _decide(distances, score, self._decisive)
        if adjusted is None and sure is not None:
            adjusted = self._unless_labelled(distances, score, sure, text, start, end, window)
        if adjusted is None or self._beside is None:
            return adjusted
        return None if self._beside(text, start, end) else adjusted

    def _unless_labelled(
        self,
        distances: tuple[int | None, int | None, bool],
        score: float,
        sure: Sure,
        text: str,
        start: int,
        end: int,
        window: tuple[str, int],
    ) -> float | None:
        """The score of a match the nearest negative word ruled out, when it stands on its
        own and that word does not label it."""
        if not sure(text[start:end]) or _labels(self._negative, *window):  # type: ignore[arg-type]
            return None
        return boosted(score) if distances[0] is not None else score

    def _distances(self, window: str, at: int) -> tuple[int | None, int | None, bool]:
        """The nearest positive and negative word, and whether a weak word is near (looked
        for only when neither is)."""
        positive = (
            _nearest(self._positive, window, at, self._label)
            if self._positive is not None
            else None
        )
        negative = _nearest(self._negative, window, at) if self._negative is not None else None
        weak = (
            positive is None
            and negative is None
            and self._weak is not None
            and _nearest(self._weak, window, at) is not None
        )
        return positive, negative, weak

    def present(self, around: Around) -> bool:
        """A (strong, or weak without a negative) context word is near the match."""
        return self.apply(around, 0.0) not in (None, 0.0)


class Around:
    """The words around one candidate span, cut out once however often they are read
    (a context-required check, a score ceiling and the final score all read them)."""

    __slots__ = ("_window", "distances", "end", "start", "text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        self._window: tuple[str, int] | None = None
        self.distances: tuple[ContextRule, tuple[int | None, int | None, bool]] | None = None
        """The last rule's distances (`ContextRule._distances`)."""

    @property
    def window(self) -> tuple[str, int]:
        if self._window is None:
            self._window = _window(self.text, self.start, self.end)
        return self._window


def _decide(
    distances: tuple[int | None, int | None, bool], score: float, decisive: bool = False
) -> float | None:
    positive, negative, weak = distances
    if positive is not None and (decisive or negative is None or positive <= negative):
        return boosted(score)
    if negative is not None:
        return None  # the nearest context word says it is something else
    if weak:
        return min(1.0, score + WEAK_BOOST)
    return score


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
