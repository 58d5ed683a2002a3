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
