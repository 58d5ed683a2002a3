"""Cards and IBANs with wide gaps (found by probing: two spaces, a tab, ` - ` between the
groups, or a space after the country code, as PDFs and spreadsheets paste them, reached the
model unredacted; one separator character was all the patterns allowed)."""

from __future__ import annotations

import pytest

from charter.pii import PatternDetector
from tests.pii.pii_support import spans

CARD = "4539 5787 6362 1486"
TR_IBAN = "TR33 0006 1005 1978 6457 8413 26"
DE_IBAN = "DE89 3704 0044 0532 0130 00"


def _gapped(value: str, gap: str) -> str:
    return gap.join(value.split(" "))


@pytest.mark.parametrize("gap", ["  ", "\t", " - ", "   "])
@pytest.mark.parametrize(
    ("label", "value", "entity"),
    [("card: ", CARD, "CREDIT_CARD"), ("IBAN: ", TR_IBAN, "IBAN_CODE"),
     ("IBAN: ", DE_IBAN, "IBAN_CODE")],
)  # fmt: skip
def test_groups_apart_by_a_run_of_separators_are_one_value(
    patterns: PatternDetector, gap: str, label: str, value: str, entity: str
) -> None:
    spaced = _gapped(value, gap)
    text = f"{label}{spaced} thanks"
    assert spans(text, patterns.detect(text)) == [(entity, spaced)]


@pytest.mark.parametrize(
    "iban",
    [
        "TR 33 0006 1005 1978 6457 8413 26",
        "DE 89 3704 0044 0532 0130 00",
        "DE  89370400440532013000",
    ],
)
def test_a_country_code_apart_from_its_check_digits_is_part_of_the_iban(
    patterns: PatternDetector, iban: str
) -> None:
    text = f"IBAN: {iban}"
    assert spans(text, patterns.detect(text)) == [("IBAN_CODE", iban)]


@pytest.mark.parametrize(
    "text",
    [
        "card: 4539  5787  6362  1487",  # Luhn fails
        "card: 4539  5787-6362  1486",  # hyphens in some gaps only
        "IBAN: TR 33 0006 1005 1978 6457 8413 27",  # mod-97 fails
        "no 93 8601 1117 947 please",  # lower case: a word, not a country code
        "years 2019  2020  2021  2022",
    ],
)
def test_the_check_digits_still_keep_other_numbers_out(
    patterns: PatternDetector, text: str
) -> None:
    assert [f for f in patterns.detect(text) if f.entity_type in ("CREDIT_CARD", "IBAN_CODE")] == []
