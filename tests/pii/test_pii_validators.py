"""The checks that decide whether a candidate is PII: checksums, registries, suffix list."""

from __future__ import annotations

import pytest

from charter.pii import PatternDetector
from charter.pii import validators as v
from tests.pii.pii_support import spans


@pytest.mark.parametrize(
    "number",
    ["4111111111111111", "5555555555554444", "378282246310005", "2223003122003222",
     "6011111111111117", "9792000000000003"],
)  # fmt: skip
def test_known_test_card_numbers_pass(number: str) -> None:
    assert v.card_number_ok(number)


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("4111111111111112", "Luhn fails"),
        ("0000000000000000", "no issuer starts with 0"),
        ("7111111111111117", "no issuer starts with 7"),
        ("2100000000000006", "2-series Mastercard is 2221-2720"),
        ("411111111111", "too short"),
    ],
)
def test_invalid_card_numbers_fail(number: str, why: str) -> None:
    assert not v.card_number_ok(number), why


def test_card_grouping_must_look_printed() -> None:
    assert v.card_verdict("4111 1111 1111 1111") is not None
    assert v.card_verdict("3782 822463 10005") is not None  # Amex 4-6-5
    assert v.card_verdict("4111-1111-1111-1111") is not None
    assert v.card_verdict("41 1111 1111 1111 11") is None
    assert v.card_verdict("4111 1111-1111 1111") is None  # mixed separators


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("4111 1111 1111 1111 12/27 123", "4111 1111 1111 1111"),
        ("card 4111 1111 1111 1111 12/27", "4111 1111 1111 1111"),
        ("card 5555 5555 5555 4444 123", "5555 5555 5555 4444"),
        ("4111111111111111 12/27 123", "4111111111111111"),
        ("4111-1111-1111-1111 12/27 123", "4111-1111-1111-1111"),
        ("5356 1234 5678 9014 250,00 TL", "5356 1234 5678 9014"),
        ("Amex 3782 822463 10005 09 27", "3782 822463 10005"),
    ],
)
def test_a_card_followed_by_its_expiry_cvv_or_an_amount_is_found(
    patterns: PatternDetector, text: str, card: str
) -> None:
    """Probing: the pattern took the next group too and the verdict never tried without
    it (as the IBAN and phone verdicts do), so the card passed unredacted."""
    assert ("CREDIT_CARD", card) in spans(text, patterns.detect(text))


def test_a_shorter_card_is_kept_only_at_a_group_boundary() -> None:
    assert v.card_verdict("4111 1111 1111 1111 123") == v.Verdict(19, 1.0)
    assert v.card_verdict("4111 1111 1111 1112 123") is None  # no valid card in it
    assert v.card_verdict("4111 1111 1111 111 1") is None  # 4-4-4-3 is no printed grouping


@pytest.mark.parametrize("tckn", ["10000000146", "62601815964", "18301661332", "28609139020"])
def test_valid_tc_kimlik_numbers(tckn: str) -> None:
    assert v.tr_national_id_ok(tckn)


@pytest.mark.parametrize(
    "tckn",
    ["10000000147", "62601815965", "02601815964", "1000000014", "1000000014a", "12345678901"],
)
def test_invalid_tc_kimlik_numbers(tckn: str) -> None:
    assert not v.tr_national_id_ok(tckn)


@pytest.mark.parametrize(
    "iban",
    ["TR330006100519786457841326", "DE89370400440532013000", "GB82WEST12345698765432",
     "FR1420041010050500013M02606", "NL91ABNA0417164300", "tr330006100519786457841326"],
)  # fmt: skip
def test_valid_ibans(iban: str) -> None:
    assert v.iban_ok(iban)


@pytest.mark.parametrize(
    ("iban", "why"),
    [
        ("TR330006100519786457841327", "check digits"),
        ("TR33000610051978645784132", "TR IBANs have 26 characters"),
        ("TR330006110519786457841326", "TR reserved digit must be 0"),
        ("XX330006100519786457841326", "unknown country"),
    ],
)
def test_invalid_ibans(iban: str, why: str) -> None:
    assert not v.iban_ok(iban), why


def test_iban_followed_by_a_number_keeps_only_the_iban() -> None:
    candidate = "DE89 3704 0044 0532 0130 00 2024"
    verdict = v.iban_verdict(candidate)
    assert verdict is not None
    assert candidate[: verdict.length] == "DE89 3704 0044 0532 0130 00"


def test_suffix_check_agrees_with_tldextract() -> None:
    extractor = v.offline_suffix_extractor()
    hosts = [
        "example.com", "shop.example.com.tr", "com.tr", "foo.ck", "bar.foo.ck", "www.ck",
        "a.city.kawasaki.jp", "x.kawasaki.jp", "file.txt", "jane.doe", "foo.xn--p1ai",
        "localhost", "co.uk", "a.co.uk", "EXAMPLE.COM", "a..com", "192.168.1.1",
    ]  # fmt: skip
    for host in hosts:
        assert v.registrable_domain_ok(host) == (extractor(host).fqdn != ""), host


def test_the_suffix_extractor_is_configured_offline() -> None:
    extractor = v.offline_suffix_extractor()
    assert tuple(extractor.suffix_list_urls) == ()
    assert extractor.fallback_to_snapshot is True


@pytest.mark.parametrize(
    ("candidate", "accepted"),
    [("192.168.10.24", True), ("10.0.0.1/24", True), ("256.1.1.1", False),
     ("01.2.3.4", False), ("1.2.3.4/33", False)],
)  # fmt: skip
def test_ipv4(candidate: str, accepted: bool) -> None:
    assert (v.ipv4_verdict(candidate) is not None) == accepted


def test_ipv6_rejects_times_and_the_unspecified_address() -> None:
    assert v.ip_ok("2001:db8::1")
    assert v.ip_ok("fe80::1%eth0")
    assert not v.ip_ok("10:30:45")
    assert not v.ip_ok("::")


@pytest.mark.parametrize(
    ("candidate", "score"),
    [
        ("+90 532 123 45 67", 0.4),
        ("0532 123 45 67", 0.4),
        ("05321234567", 0.4),
        ("212-555-0199", 0.4),
        ("(212) 555-0199", 0.4),
        ("+44 20 7946 0958", 0.4),
        ("2125550199", 0.15),  # a bare digit run could be an order number
    ],
)
def test_phone_numbers(candidate: str, score: float) -> None:
    verdict = v.phone_verdict(("TR", "US"))(candidate)
    assert verdict == v.Verdict(len(candidate), score)


@pytest.mark.parametrize("candidate", ["4815162342", "555-0199", "1.299.999", "0000 000 00 00"])
def test_not_phone_numbers(candidate: str) -> None:
    assert v.phone_verdict(("TR", "US"))(candidate) is None


def test_national_formats_follow_the_regions() -> None:
    assert v.phone_verdict(("US",))("0532 123 45 67") is None
    assert v.phone_verdict(("TR",))("0532 123 45 67") is not None
    assert v.phone_verdict(())("+90 532 123 45 67") is not None  # international always


@pytest.mark.parametrize(
    ("candidate", "accepted"),
    [("536-22-1234", True), ("536 22 1234", True), ("123-45-6789", False),
     ("666-22-1234", False), ("536-00-1234", False), ("536-22.1234", False),
     ("912-22-1234", False)],
)  # fmt: skip
def test_ssn_rules(candidate: str, accepted: bool) -> None:
    assert (v.ssn_verdict(candidate) is not None) == accepted


def test_url_verdict_trims_punctuation_but_keeps_balanced_parentheses() -> None:
    assert v.url_verdict("https://example.com/a.") == v.Verdict(len("https://example.com/a"), 0.6)
    wiki = "https://en.wikipedia.org/wiki/Foo_(bar)"
    assert v.url_verdict(wiki) == v.Verdict(len(wiki), 0.6)
    assert v.url_verdict("https://example.com/a)") == v.Verdict(len("https://example.com/a"), 0.6)
    assert v.url_verdict("www.example.org") == v.Verdict(15, 0.5)
    assert v.url_verdict("example.com") == v.Verdict(11, 0.3)
    assert v.url_verdict("notes.txt") is None
