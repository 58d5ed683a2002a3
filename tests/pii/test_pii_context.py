"""Context words found in one Aho-Corasick pass must give exactly what one regex search
per word list gave: the nearest word start, the longest word at a place, short words
only at a word boundary."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from charter.pii.context import Around, ContextRule, normalize
from charter.pii.recognizers import builtin_recognizers
from tests.pii.synthetic import synthetic_texts


def _reference_nearest(words: Sequence[str], window: str, at: int) -> int | None:
    """The regex implementation the automaton replaced."""
    if not words:
        return None
    parts = [
        re.escape(w) + (r"\b" if len(w) <= 3 else "")
        for w in sorted({normalize(w) for w in words}, key=len, reverse=True)
    ]
    pattern = re.compile("|".join(parts))
    best: int | None = None
    pos = 0
    while (match := pattern.search(window, pos)) is not None:
        start = match.start()
        if start == 0 or not window[start - 1].isalnum():
            distance = at - match.end() if match.end() <= at else start - at
            best = distance if best is None else min(best, distance)
        pos = start + 1
    return best


def _check(rule: ContextRule, lists: tuple[Sequence[str], ...], text: str, start: int,
           end: int) -> None:  # fmt: skip
    around = Around(text, start, end)
    window, at = around.window
    expected = tuple(_reference_nearest(words, window, at) for words in lists)
    assert rule._distances(around) == expected, (window, at)


def test_builtin_rules_agree_with_the_regex_search_on_synthetic_texts() -> None:
    rng = random.Random(11)
    specs = [s for s in builtin_recognizers() if s.context or s.negative_context]
    texts = list(synthetic_texts(150, seed=23))
    for spec in specs:
        lists = (spec.context, spec.negative_context, spec.weak_context)
        rule = ContextRule(*lists)
        for text in texts:
            for _ in range(4):
                start = rng.randrange(len(text) + 1)
                _check(rule, lists, text, start, min(len(text), start + rng.randrange(20)))


def test_overlapping_short_and_unicode_words() -> None:
    lists = (("tel", "telefon", "ip", "t.c", "text me", "İl"), ("ara", "aranabilir", "_x"),
             ("no", "number", "numara"))  # fmt: skip
    rule = ContextRule(*lists)
    alphabet = ["tel", "efon", "ip", "ship", "t.c", "text me", "ara", "nabilir", "no", "number",
                "numara", "İl", "il", "_x", "_", " ", ".", "\n", "ş", "a", "1"]  # fmt: skip
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        start = rng.randrange(len(text) + 1)
        _check(rule, lists, text, start, min(len(text), start + rng.randrange(6)))


def test_a_word_that_normalizes_to_nothing_matches_word_boundaries() -> None:
    lists = (("\u0307",), ("order",), ())
    rule = ContextRule(*lists)
    for text, start in (("order 123", 6), ("abc 123 order", 4), ("", 0), ("  x  ", 2)):
        _check(rule, lists, text, start, len(text))
