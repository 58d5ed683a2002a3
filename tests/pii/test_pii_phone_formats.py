"""Phone numbers written the way systems write them (found by probing: an extension right
after the number, `212-555-0147x204`, or an MSISDN, the international number without its
`+`, hid the number)."""

from __future__ import annotations

import pytest

from charter.pii import PatternDetector
from tests.pii.pii_support import spans


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("call 212-555-0147x204 after 5", "212-555-0147"),  # an extension with no space
        ("msisdn=905321234567&op=1", "905321234567"),  # E.164 without its +
        ("phone 905321234567", "905321234567"),
    ],
)
def test_phone_numbers_written_the_way_systems_write_them(
    patterns: PatternDetector, text: str, phone: str
) -> None:
    """Probing: an extension right after the number, or an MSISDN (the international
    number without its +), hid the number."""
    assert spans(text, patterns.detect(text)) == [("PHONE_NUMBER", phone)]


def test_an_msisdn_shaped_run_without_a_phone_word_is_no_phone(patterns: PatternDetector) -> None:
    assert patterns.detect("order 905321234567 is late") == []
    assert patterns.detect("ref 905321234567") == []


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Mon numéro de portable : 06.12.34.56.78, rappelez-moi", "06.12.34.56.78"),
        ("phone: 01.45.67.89.10", "01.45.67.89.10"),
        ("tel +33 6.12.34.56.78", "+33 6.12.34.56.78"),
        ("mon fixe 04.91.23.45.67", "04.91.23.45.67"),
        ("appelez le 01-23-45-67-89", "01-23-45-67-89"),
    ],
)
def test_a_french_number_written_with_dots_is_a_phone(
    patterns: PatternDetector, text: str, phone: str
) -> None:
    """Probing: the date check read `06.12.34` as a date and dropped the number (some
    were hashed as IP addresses by accident, the rest went out as typed)."""
    assert spans(text, patterns.detect(text)) == [("PHONE_NUMBER", phone)]


@pytest.mark.parametrize(
    "text",
    ["le 12.03.2024 à 14h", "paid on 01.02.03", "2024-03-12 10:30", "code 63.97.278.50 ok"],
)
def test_a_date_with_dots_or_dashes_is_still_no_phone(patterns: PatternDetector, text: str) -> None:
    assert patterns.detect(text) == []
