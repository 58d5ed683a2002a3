"""Names and places in pattern mode (cues, titles, word lists) and in spaCy mode."""

from __future__ import annotations

import pytest

from charter.pii import PatternDetector, PresidioDetector
from tests.pii.pii_support import spans

NAMES = [
    ("My name is Dan and I live in Seattle.", [("PERSON", "Dan"), ("LOCATION", "Seattle")]),
    ("John Oliver is a comedian.", [("PERSON", "John Oliver")]),
    ("Richard M. Nixon resigned.", [("PERSON", "Richard M. Nixon")]),
    ("They call me Mr. Mayers", [("PERSON", "Mayers")]),
    ("Hi Sarah, regards, Tom Hanks", [("PERSON", "Sarah"), ("PERSON", "Tom Hanks")]),
    ("Sayın Gülnur Akbaba, talebiniz alındı.", [("PERSON", "Gülnur Akbaba")]),
    ("Ahmet Bey ile görüştüm.", [("PERSON", "Ahmet")]),
    ("Adım Berkay Özdil, Eskişehir'de yaşıyorum.",
     [("PERSON", "Berkay Özdil"), ("LOCATION", "Eskişehir")]),
    ("Tuğba Karakaya ile görüştüm.", [("PERSON", "Tuğba Karakaya")]),  # known surname
    ("Ben Ece, İzmit'ten yazıyorum.", [("PERSON", "Ece"), ("LOCATION", "İzmit")]),
    ("I moved from Rio de Janeiro to New York.",
     [("LOCATION", "Rio de Janeiro"), ("LOCATION", "New York")]),
    ("Send it to 221B Baker Street, London.",
     [("LOCATION", "221B Baker Street"), ("LOCATION", "London")]),
    ("Teslimat: Atatürk Caddesi No: 12, Çankaya",
     [("LOCATION", "Atatürk Caddesi No: 12"), ("LOCATION", "Çankaya")]),
    ("Hello, I'm Tomasz Wiśniewski from Kraków.",
     [("PERSON", "Tomasz Wiśniewski"), ("LOCATION", "Kraków")]),
]  # fmt: skip

NOT_NAMES = [
    "Can I change the delivery date? Will you refund the shipping?",
    "May I ask why the Premium Plan costs more than the Basic Plan?",
    "The Customer Support Team replied on Monday.",
    "Müşteri Hizmetleri Pazartesi günü dönüş yaptı.",
    "Ürün İade Formu ekte, Kargo Ücreti bizden.",
    "Merhaba, siparişim üç gündür kargoda.",
]


@pytest.mark.parametrize(("text", "expected"), NAMES)
def test_pattern_mode_finds_names_and_places(
    patterns: PatternDetector, text: str, expected: list[tuple[str, str]]
) -> None:
    assert spans(text, patterns.detect(text)) == expected


@pytest.mark.parametrize("text", NOT_NAMES)
def test_capitalised_words_are_not_names(patterns: PatternDetector, text: str) -> None:
    assert spans(text, patterns.detect(text)) == []


@pytest.mark.parametrize("text", NOT_NAMES)
def test_spacy_mode_keeps_turkish_guesses_only_when_lists_back_them(
    spacy_detector: PresidioDetector, text: str
) -> None:
    assert spans(text, spacy_detector.detect(text)) == []


def test_spacy_mode_finds_turkish_surnames_the_model_misses(
    spacy_detector: PresidioDetector,
) -> None:
    text = "Sayın Gülnur Akbaba ve Kerem Aksoy toplantıya katıldı."
    assert spans(text, spacy_detector.detect(text)) == [
        ("PERSON", "Gülnur Akbaba"), ("PERSON", "Kerem Aksoy"),
    ]  # fmt: skip


def test_names_and_places_can_be_turned_off() -> None:
    detector = PatternDetector(names=False, places=False)
    assert detector.detect("My name is Dan and I live in Seattle.") == []
    assert "PERSON" not in detector.supported_entities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ad Soyad: AYŞE YILMAZ", ["AYŞE YILMAZ"]),
        ("My name is JOHN SMITH", ["JOHN SMITH"]),
        ("Sayın MEHMET ÇELİK, başvurunuz alındı.", ["MEHMET ÇELİK"]),
        ("SAYIN MEHMET ÇELİK", ["MEHMET ÇELİK"]),
        ("Hesap sahibi: KEREM ALİ AKSOY", ["KEREM ALİ AKSOY"]),
        ("GÖNDEREN: ŞÜKRÜ ÖZTÜRK ALICI: AYŞE YILMAZ TUTAR: 500,00 TL",
         ["ŞÜKRÜ ÖZTÜRK", "AYŞE YILMAZ"]),
    ],
)  # fmt: skip
def test_a_name_in_capitals_after_a_cue_is_a_name(
    patterns: PatternDetector, text: str, expected: list[str]
) -> None:
    """Probing: names written in capitals, as forms and bank receipts print them, were
    never found, even right after "Ad Soyad:" or "My name is"."""
    assert [v for t, v in spans(text, patterns.detect(text)) if t == "PERSON"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "PLEASE CALL THE CUSTOMER SUPPORT TEAM",  # capitals without a cue
        "My name is NASA",  # one word in capitals: as likely an acronym
        "ISMIM BIR ÜRÜN İADESİ HAKKINDA",  # a sentence in capitals after a cue
    ],
)
def test_capitals_without_a_cue_or_of_one_word_are_not_names(
    patterns: PatternDetector, text: str
) -> None:
    assert [v for t, v in spans(text, patterns.detect(text)) if t == "PERSON"] == []
