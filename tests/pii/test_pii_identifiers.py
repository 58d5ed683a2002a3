"""Each new recognizer in sentences: a valid value is found with its exact span, the same
value with a broken check digit (or without its context word) is not. EN and TR."""

from __future__ import annotations

import pytest

from charter.pii import PatternDetector
from charter.pii import checksums as c
from tests.pii.pii_support import spans

# (entity type, valid value, the same value with a broken check, EN sentence, TR sentence)
CASES = [
    ("CRYPTO", "1LjmZZkQFXbGiBbaDvZQ5KFpqvv4nvkTSY", "1LjmZZkQFXbGiBbaDvZQ5KFpqvv4nvkTSZ",
     "Send the refund to {} please.", "İadeyi {} adresine gönderin."),
    ("CRYPTO", "3CgMMWw8BZternGAg5id3uy3Z5pNM4P5BS", "3CgMMWw8BZternGAg5id3uy3Z5pNM4P5BT",
     "My wallet is {}.", "Cüzdanım {}."),
    ("CRYPTO", "bc1qwgdckfvyvsmsnp5rd0dnw7weruq44p222j38te",
     "bc1qwgdckfvyvsmsnp5rd0dnw7weruq44p222j38tf", "BTC: {}", "Bitcoin adresim {}"),
    ("CRYPTO", "bc1p83zccs3jdgzcsfjpke8szp9k5hqnhcrqc5r89pr2yfnyx8rl9t8s0vrfdp",
     "bc1p83zccs3jdgzcsfjpke8szp9k5hqnhcrqc5r89pr2yfnyx8rl9t8s0vrfdq", "taproot {}", "adres {}"),
    ("CRYPTO", "0xf458399085B0AA08557DdFC6f3AED2A53830f707",
     "0xf458399085b0AA08557DdFC6f3AED2A53830f707", "ETH to {} today.", "ETH cüzdanı {} olsun."),
    ("MEDICAL_LICENSE", "FB9573812", "FB9573813", "The DEA number is {}.", "Doktorun DEA numarası {}."),
    ("ES_NIF", "16319225N", "16319225M", "My DNI is {}.", "İspanyol kimliğim (DNI) {}."),
    ("ES_NIE", "X3356625M", "X3356625N", "NIE {} for the lease.", "NIE numaram {}."),
    ("IT_FISCAL_CODE", "CBFFTF73P10H100Y", "CBFFTF73P10H100Z", "Codice fiscale {}.", "Vergi kodum {}."),
    ("PL_PESEL", "69111049582", "69111049583", "PESEL {} please.", "PESEL numaram {}."),
    ("NL_BSN", "315124088", "315124089", "My BSN is {}.", "BSN numaram {}."),
    ("FI_PERSONAL_IDENTITY_CODE", "071056-856M", "071056-856N", "hetu {}", "Fin kimliğim (hetu) {}"),
    ("FR_NIR", "289012698412531", "289012698412532", "NIR {}", "Fransız sosyal güvenlik no (NIR) {}"),
    ("SE_PERSONNUMMER", "850925-0158", "850925-0159", "personnummer {}", "personnummer {}"),
    ("DE_TAX_ID", "32402192575", "32402192576", "Steuer-ID {}", "Alman vergi numaram (Steuer-ID) {}"),
    ("UK_NHS", "4724582995", "4724582996", "NHS number {}", "NHS numaram {}"),
    ("TR_NATIONAL_ID", "96454284158", "96454284159", "My Turkish ID is {}.", "TC kimlik no {}."),
    ("IBAN_CODE", "SA5257669447263335336173", "SA5257669447263335336174", "IBAN {}", "IBAN {}"),
    ("IBAN_CODE", "NO6141463500990", "NO6141463500991", "Account {}", "Hesap {}"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "good", "bad", "en", "tr"), CASES)
def test_valid_check_digits_are_found_in_sentences(
    patterns: PatternDetector, kind: str, good: str, bad: str, en: str, tr: str
) -> None:
    for template in (en, tr):
        text = template.format(good)
        assert spans(text, patterns.detect(text)) == [(kind, good)], text


@pytest.mark.parametrize(("kind", "good", "bad", "en", "tr"), CASES)
def test_broken_check_digits_are_not(
    patterns: PatternDetector, kind: str, good: str, bad: str, en: str, tr: str
) -> None:
    for template in (en, tr):
        text = template.format(bad)
        assert kind not in {f.entity_type for f in patterns.detect(text)}, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my passport number is 912803456", [("US_PASSPORT", "912803456")]),
        ("my travel document is A12803456", [("US_PASSPORT", "A12803456")]),
        ("Pasaport numaram U12345678, vize için.", [("TR_PASSPORT", "U12345678")]),
        ("Reisepass C01X00T47, gültig bis 2031.", [("EU_PASSPORT", "C01X00T47")]),
        ("Passeport 12AB34567 perdu.", [("EU_PASSPORT", "12AB34567")]),
        ("I was born on 5/20/1984.", [("DATE_TIME", "5/20/1984")]),
        ("Date of birth: March 3, 1985", [("DATE_TIME", "March 3, 1985")]),
        ("Doğum tarihim 12.03.1985.", [("DATE_TIME", "12.03.1985")]),
        ("5 Mayıs 1994 doğumluyum.", [("DATE_TIME", "5 Mayıs 1994")]),
        ("NINO AB 12 34 56 C", [("UK_NINO", "AB 12 34 56 C")]),
    ],
)
def test_context_bound_identifiers(
    patterns: PatternDetector, text: str, expected: list[tuple[str, str]]
) -> None:
    assert spans(text, patterns.detect(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order 912803456 shipped.",  # no passport word
        "Sipariş U12345678 yolda.",
        "The parcel left on 5/20/2024.",  # a date, not a birth date
        "Teslimat 12.03.2025 tarihinde.",
        "Product code AB1234563 is out of stock.",  # DEA-shaped, but an order/product word
        "Reference 69111049582 was checked.",
        "0x0000000000000000000000000000000000000000 is the zero address",
        "I was born on 31/31/1985.",  # not a calendar date
    ],
)
def test_look_alikes_without_context_are_left_alone(patterns: PatternDetector, text: str) -> None:
    assert spans(text, patterns.detect(text)) == []


def test_phones_worldwide(patterns: PatternDetector) -> None:
    text = (
        "Brussels +32 2 555 12 34, Paris 01 42 68 53 00, London 020 7946 0321, "
        "Istanbul 0532-123-45-67, New York (212) 555-0199."
    )
    phones = [v for t, v in spans(text, patterns.detect(text)) if t == "PHONE_NUMBER"]
    assert phones == [
        "+32 2 555 12 34", "01 42 68 53 00", "020 7946 0321", "0532-123-45-67", "(212) 555-0199",
    ]  # fmt: skip


def test_a_national_number_of_another_country_needs_a_phone_word(
    patterns: PatternDetector,
) -> None:
    assert patterns.detect("see 11 98456-5666") == []  # a São Paulo mobile, written nationally
    text = "my phone is 11 98456-5666"
    assert spans(text, patterns.detect(text)) == [("PHONE_NUMBER", "11 98456-5666")]


def test_phone_regions_are_configurable() -> None:
    text = "see 0532 123 45 67 or (212) 555-0199"
    us_only = PatternDetector(phone_regions=("US",))
    assert spans(text, us_only.detect(text)) == [("PHONE_NUMBER", "(212) 555-0199")]
    assert spans(text, PatternDetector().detect(text)) == [
        ("PHONE_NUMBER", "0532 123 45 67"), ("PHONE_NUMBER", "(212) 555-0199"),
    ]  # fmt: skip
    with pytest.raises(Exception, match="unknown phone region"):
        PatternDetector(phone_regions=("XX",))


def test_a_broken_tc_kimlik_no_is_not_a_phone_number(patterns: PatternDetector) -> None:
    assert patterns.detect("TC kimlik numaram 96454284159.") == []
    assert patterns.detect("Kimlik numaram 96454284159, kontrol eder misiniz?") == []


@pytest.mark.parametrize(
    ("check", "value", "ok"),
    [
        (c.base58check_ok, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", True),
        (c.base58check_ok, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", False),
        (c.bech32_address_ok, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", True),
        (c.bech32_address_ok, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", True),
        (c.bech32_address_ok, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", False),
        (c.bech32_address_ok, "bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", False),  # mixed case
        (c.eth_address_ok, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", True),
        (c.eth_address_ok, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", False),
        (c.eth_address_ok, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", True),  # no checksum
        (c.dea_ok, "AB1234563", True),
        (c.dea_ok, "AB1234564", False),
        (c.dea_ok, "IB1234563", False),  # I is not a registrant type
        (c.es_nif_ok, "12345678Z", True),
        (c.es_nie_ok, "X1234567L", True),
        (c.it_fiscal_code_ok, "RSSMRA85T10A562S", True),
        (c.pl_pesel_ok, "44051401359", True),
        (c.pl_pesel_ok, "44051401358", False),
        (c.nl_bsn_ok, "111222333", True),
        (c.nl_bsn_ok, "111222334", False),
        (c.fi_hetu_ok, "131052-308T", True),
        (c.uk_nhs_ok, "9434765919", True),
        (c.uk_nhs_ok, "9434765918", False),
        (c.de_tax_id_ok, "86095742719", True),
        (c.de_tax_id_ok, "86095742718", False),
        (c.se_personnummer_ok, "8112189876", True),
        (c.se_personnummer_ok, "198112189876", True),
        (c.se_personnummer_ok, "U_8112189876", False),  # not digits (review: a user id)
        (c.fr_nir_ok, "255081416802538", True),
        (c.fr_nir_ok, "255081416802539", False),
        (c.iban_ok, "RU0204452560040702810412345678901", True),  # every registry country
        (c.iban_ok, "LY83002048000020100120361", True),
    ],
)
def test_checksums(check: object, value: str, ok: bool) -> None:
    assert check(value) is ok  # type: ignore[operator]


def test_regions_come_from_the_settings() -> None:
    from charter.config import Settings
    from charter.privacy import Privacy

    settings = Settings.build({"pii_regions": ["US"], "pii_phone_regions": ["US"]})
    privacy = Privacy("pattern", regions=settings.pii_regions,
                      phone_regions=settings.pii_phone_regions)  # fmt: skip
    text = "TC kimlik 10000000146, SSN 536-22-1234, see 0532 123 45 67"
    assert spans(text, privacy.detector.detect(text)) == [("US_SSN", "536-22-1234")]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("My son was born in 2010 and my order from 12/03/2024 hasn't arrived", ["2010"]),
        ("Doğum günüm 5 Mayıs, kargom 10 Mayıs 2024'te gelmedi", []),
        ("Born 1985-03-12. Please ship by 2024-06-01.", ["1985-03-12"]),
        ("My date of birth is wrong, the invoice from 12/03/2024 too", []),
        ("DOB: 1991-08-30", ["1991-08-30"]),
        ("My birthday is October 5, 1983 and the system shows 1984", ["October 5, 1983"]),
        ("Doğum tarihim: 12.03.1985", ["12.03.1985"]),
        ("1985 doğumluyum, siparişim 12.03.2024'te geldi", ["1985"]),
        ("12.03.1985'te doğdum", ["12.03.1985"]),
    ],
)
def test_only_the_date_a_birth_cue_introduces_is_a_date_of_birth(
    patterns: PatternDetector, text: str, dates: list[str]
) -> None:
    # Found by review: any date within the window of a birth word was redacted.
    found = [value for kind, value in spans(text, patterns.detect(text)) if kind == "DATE_TIME"]
    assert found == dates
