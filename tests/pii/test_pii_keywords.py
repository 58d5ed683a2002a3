"""`Keywords`: one Aho-Corasick pass must answer exactly what `word in text` answers."""

from __future__ import annotations

import random

from charter.pii.keywords import Keywords
from charter.pii.pattern import PatternDetector
from tests.pii.synthetic import synthetic_texts


def test_found_is_exactly_the_substring_test_on_overlapping_and_unicode_words() -> None:
    words = ["doğ", "doğdum", "ğd", "st.", "i am", "am", "İ", "i̇", "ab", "bab", "abab", "@"]
    keywords = Keywords(words)
    rng = random.Random(5)
    alphabet = "abğdoumst. iİ̇@"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert keywords.found(text) == {w for w in words if w in text}, text


def test_detector_anchors_agree_with_substring_tests_on_synthetic_texts() -> None:
    detector = PatternDetector()
    anchors, lower = detector._anchors_for(None)
    for text in synthetic_texts(300, seed=3):
        assert anchors.found(text) == {a for a in anchors.words if a in text}
        lowered = text.lower()
        assert lower.found(lowered) == {a for a in lower.words if a in lowered}


def test_empty_word_list_finds_nothing() -> None:
    assert Keywords([]).found("anything") == frozenset()
    assert Keywords([""]).words == ()
