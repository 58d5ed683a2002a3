"""`Keywords`: one Aho-Corasick pass must answer exactly what `word in text` answers."""

from __future__ import annotations

import random
import re

import pytest

from charter.pii.keywords import Keywords, LiteralLed, required_prefixes
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


def _spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


def test_literal_led_finditer_is_finditer_for_every_cue() -> None:
    detector = PatternDetector()
    cues = [c.cue for c in detector._compiled_specs if c.cue is not None]
    assert cues and all(c._literals is not None for c in cues)  # every cue has literals
    texts = [*synthetic_texts(300, seed=9), "Hi Hi  hi, Hello Mr. Mr Dr.  Ben ben ismim adım"]
    for cue in cues:
        for text in texts:
            for haystack in (text, text.lower()):
                assert _spans(cue.finditer(haystack)) == _spans(cue.pattern.finditer(haystack))


@pytest.mark.parametrize(
    ("source", "prefixes"),
    [
        (r"(?:ab|cd)e", {"abe", "cde"}),
        (r"\b[Bb]en\s+", {"Ben", "ben"}),  # a category (\s) ends the literals
        (r"x?ab", None),  # an optional start gives no literal every match begins with
        (r".ab", None),
        (r"(?i:ab)c", None),  # case-insensitive parts are not read
        (r"ab(?i:c)", {"ab"}),
        (r"a+b", {"a"}),
        (r"(?:|a)b", {"b", "ab"}),
        (r"abcdefg", {"abcd"}),  # four characters are enough to be rare
    ],
)
def test_required_prefixes(source: str, prefixes: set[str] | None) -> None:
    found = required_prefixes(re.compile(source))
    assert found == (None if prefixes is None else frozenset(prefixes))


@pytest.mark.parametrize("source", [r"(?:ab|abc|b)c?", r"a\w*", r"(?:x|xy)(?:z|)", r"[ab]{2}"])
def test_literal_led_on_overlapping_literals(source: str) -> None:
    pattern = re.compile(source)
    led = LiteralLed(pattern)
    rng = random.Random(1)
    for _ in range(500):
        text = "".join(rng.choice("abcxyz ") for _ in range(rng.randint(0, 20)))
        assert _spans(led.finditer(text)) == _spans(pattern.finditer(text))


def test_new_finding_is_a_finding() -> None:
    from charter.pii.findings import Finding, new_finding

    fast = new_finding("EMAIL_ADDRESS", 3, 9, 0.7, "email")
    slow = Finding("EMAIL_ADDRESS", 3, 9, 0.7, "email")
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    with pytest.raises(AttributeError):  # still frozen
        fast.start = 4  # type: ignore[misc]


def test_lone_surrogates_fall_back_to_the_plain_searches() -> None:
    """The automaton reads UTF-8; a lone surrogate cannot be encoded (issue 14 #1)."""
    many = Keywords([f"word{i}" for i in range(20)] + ["hi"])
    assert many.found("a\ud800 hi word3") == {"hi", "word3"}
    cue = re.compile(r"(?:hi|my name is)\s+")
    text = "a\ud800 hi x my name is \udfff"
    assert _spans(LiteralLed(cue).finditer(text)) == _spans(cue.finditer(text))
    found = PatternDetector().detect("hello \ud800 there, my name is Ayşe Yılmaz, a@b.com")
    assert [f.entity_type for f in found] == ["PERSON", "EMAIL_ADDRESS"]
