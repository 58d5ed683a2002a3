"""Amounts are not phone numbers (found by probing: `I want a mortgage of 2.500.000 TL`
became `<PHONE_NUMBER_1> TL`: `2.500.000` is a valid national number in some EU
countries, and a currency next to it said nothing). Nor are decimals (probing again:
coordinates, `pi is 3.14159265` and the microseconds of a datetime argument became
phone numbers: one dot between digits read as a phone number's formatting)."""

from __future__ import annotations

import pytest

from charter.pii import PatternDetector
from tests.pii.pii_support import spans


@pytest.mark.parametrize(
    "text",
    [
        "I want a mortgage of 2.500.000 TL",
        "2.500.000 liralık kredi çektim",
        "The flat costs 5.000.000 and the garage 250.000",
        "USD 212 555 0199 was wired yesterday",
        "Paid 0532 123 45 67 TL in total",
        "212 555 0199 USD were wired",
        "I paid €2 125 550 199 for it",
    ],
)
def test_a_number_in_thousands_or_next_to_a_currency_is_no_phone(
    patterns: PatternDetector, text: str
) -> None:
    assert spans(text, patterns.detect(text)) == []


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Call +352 2.500.000 TL", "+352 2.500.000"),  # an international prefix says so
        ("tel: 912.345.678", "912.345.678"),  # so does a phone word
        ("arayın 0532 123 45 67 lütfen", "0532 123 45 67"),
        ("The 2.500.000 TL loan: call 0532 123 45 67", "0532 123 45 67"),
    ],
)
def test_phone_numbers_near_amounts_are_still_found(
    patterns: PatternDetector, text: str, phone: str
) -> None:
    assert spans(text, patterns.detect(text)) == [("PHONE_NUMBER", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "lat=46.204391 lon=6.143158",
        "pi is 3.14159265",
        "x is 0.12345678",
        "2026-12-06 23:31:46.123456",
        "at 23:31:46.123456 UTC",
        "pos 40.712776, -74.005974",
        "lat=35.689487 lon=139.691706",  # a longitude has up to three digits first
        "took 123.456789 seconds",
    ],
)
def test_a_decimal_fraction_or_a_timestamp_is_no_phone(
    patterns: PatternDetector, text: str
) -> None:
    assert spans(text, patterns.detect(text)) == []


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("call 555.123.4567 today", "555.123.4567"),  # several dots: a phone's grouping
        ("tel +33 6.12.34.56.78", "+33 6.12.34.56.78"),
        ("Tel: 0171.1234567", "0171.1234567"),  # a trunk prefix, not a decimal
        ("phone: 46.204391", "46.204391"),  # a phone word says so, as for amounts
        ("my number is 9123.4567", "9123.4567"),  # one dot after 3-4 digits: a phone
        ("reach me on 6123.4567 tomorrow", "6123.4567"),
        ("tel 612.345678", "612.345678"),  # three digits first: read as a decimal unless said
    ],
)
def test_dotted_phone_numbers_are_still_found(
    patterns: PatternDetector, text: str, phone: str
) -> None:
    assert spans(text, patterns.detect(text)) == [("PHONE_NUMBER", phone)]
