"""The pattern detector on realistic support-chat messages, in English and Turkish."""

from __future__ import annotations

import pytest

from charter.errors import PIIError
from charter.pii import CustomRecognizer, PatternDetector
from tests.pii.pii_support import spans, types

EN_MESSAGES = [
    (
        "Hi, I'm Jane Doe. My card 4111 1111 1111 1111 was charged twice for order #A-10023, "
        "please email me at jane.doe+billing@example.com or call (212) 555-0199.",
        [
            ("PERSON", "Jane Doe"),
            ("CREDIT_CARD", "4111 1111 1111 1111"),
            ("EMAIL_ADDRESS", "jane.doe+billing@example.com"),
            ("PHONE_NUMBER", "(212) 555-0199"),
        ],
    ),
    (
        "My name is Carlos Ruiz, SSN 536-22-1234. I log in from 192.168.10.24 and "
        "2001:db8::8a2e:370:7334; the dashboard at https://portal.example.com/u/4481?tab=billing "
        "keeps timing out.",
        [
            ("PERSON", "Carlos Ruiz"),
            ("US_SSN", "536-22-1234"),
            ("IP_ADDRESS", "192.168.10.24"),
            ("IP_ADDRESS", "2001:db8::8a2e:370:7334"),
            ("URL", "https://portal.example.com/u/4481?tab=billing"),
        ],
    ),
    (
        "Please wire the refund to DE89 3704 0044 0532 0130 00 (Amex 3782 822463 10005 is "
        "closed). You can reach me on +44 20 7946 0958 or see www.ruiz-design.co.uk.",
        [
            ("IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
            ("CREDIT_CARD", "3782 822463 10005"),
            ("PHONE_NUMBER", "+44 20 7946 0958"),
            ("URL", "www.ruiz-design.co.uk"),
        ],
    ),
]

EN_MESSAGES += [
    (
        "I live in Seattle. My passport number is 912803456 and I was born on 03/12/1985; "
        "send refunds to bc1qwgdckfvyvsmsnp5rd0dnw7weruq44p222j38te.",
        [
            ("LOCATION", "Seattle"),
            ("US_PASSPORT", "912803456"),
            ("DATE_TIME", "03/12/1985"),
            ("CRYPTO", "bc1qwgdckfvyvsmsnp5rd0dnw7weruq44p222j38te"),
        ],
    ),
    (
        "Dr. Emily Clarke, DEA number FB9573812, NHS number 472 458 2995, "
        "NINO NH 90 32 15 B, at 221B Baker Street.",
        [
            ("PERSON", "Emily Clarke"),
            ("MEDICAL_LICENSE", "FB9573812"),
            ("UK_NHS", "472 458 2995"),
            ("UK_NINO", "NH 90 32 15 B"),
            ("LOCATION", "221B Baker Street"),
        ],
    ),
    (
        "DNI 16319225N, NIE X3356625M, codice fiscale CBFFTF73P10H100Y, PESEL 69111049582, "
        "BSN 315124088, hetu 071056-856M, NIR 289012698412531, personnummer 850925-0158, "
        "Steuer-ID 32402192575, Reisepass C01X00T47.",
        [
            ("ES_NIF", "16319225N"),
            ("ES_NIE", "X3356625M"),
            ("IT_FISCAL_CODE", "CBFFTF73P10H100Y"),
            ("PL_PESEL", "69111049582"),
            ("NL_BSN", "315124088"),
            ("FI_PERSONAL_IDENTITY_CODE", "071056-856M"),
            ("FR_NIR", "289012698412531"),
            ("SE_PERSONNUMMER", "850925-0158"),
            ("DE_TAX_ID", "32402192575"),
            ("EU_PASSPORT", "C01X00T47"),
        ],
    ),
]

TR_MESSAGES = [
    (
        "Merhaba, ben Ayşe Yılmaz. TC kimlik numaram 10000000146, cep telefonum "
        "0532 123 45 67. Siparişim hâlâ gelmedi.",
        [
            ("PERSON", "Ayşe Yılmaz"),
            ("TR_NATIONAL_ID", "10000000146"),
            ("PHONE_NUMBER", "0532 123 45 67"),
        ],
    ),
    (
        "Adım Mehmet Öztürk. İadeyi TR33 0006 1005 1978 6457 8413 26 IBAN'ıma yapar mısınız? "
        "E-posta: mehmet.ozturk@firma.com.tr, telefon +90 (212) 444 44 44.",
        [
            ("PERSON", "Mehmet Öztürk"),
            ("IBAN_CODE", "TR33 0006 1005 1978 6457 8413 26"),
            ("EMAIL_ADDRESS", "mehmet.ozturk@firma.com.tr"),
            ("PHONE_NUMBER", "+90 (212) 444 44 44"),
        ],
    ),
    (
        "Kartım 9792 0000 0000 0003 ile ödeme yaptım, 05321234567 numaralı telefondan "
        "arayabilirsiniz. Kimlik no: 62601815964",
        [
            ("CREDIT_CARD", "9792 0000 0000 0003"),
            ("PHONE_NUMBER", "05321234567"),
            ("TR_NATIONAL_ID", "62601815964"),
        ],
    ),
    (
        "Sayın Tuğba Karakaya, pasaport numaranız U12345678, doğum tarihiniz 12.03.1985. "
        "Ankara'da oturuyorsunuz; ETH cüzdanı 0xf458399085B0AA08557DdFC6f3AED2A53830f707.",
        [
            ("PERSON", "Tuğba Karakaya"),
            ("TR_PASSPORT", "U12345678"),
            ("DATE_TIME", "12.03.1985"),
            ("LOCATION", "Ankara"),
            ("CRYPTO", "0xf458399085B0AA08557DdFC6f3AED2A53830f707"),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), EN_MESSAGES + TR_MESSAGES)
def test_finds_every_entity_with_exact_spans(
    patterns: PatternDetector, text: str, expected: list[tuple[str, str]]
) -> None:
    assert spans(text, patterns.detect(text)) == expected


def test_every_entity_type_of_the_pattern_mode_is_covered_by_the_messages(
    patterns: PatternDetector,
) -> None:
    found = set().union(*(types(patterns.detect(t)) for t, _ in EN_MESSAGES + TR_MESSAGES))
    assert found == patterns.supported_entities


NOT_PII = [
    "Order #A-10023 shipped; tracking ORD-2024-000173, invoice INV/2024/0042.",
    "Sipariş numaram 4815162342 ve 4815162343, kargo takip no 123456789012.",
    "Updated the app to version 2.14.3 (build 4.2.0.1), v10.0.19045 on Windows.",
    "It cost $1,299.99 last week and 1.299,90 TL today; the bundle is €49.90.",
    "The meeting is at 10:30:45 on 2024-03-12, or 12.03.2024 14:30 at the latest.",
    "Card 4111 1111 1111 1112 was declined, so was 5555-5555-5555-5555.",
    "TC kimlik numaram 10000000147 değil mi?",
    "Room 12, floor 3, items 1-2-3, ratio 3:2, score 98.6%, ISO 8601.",
    "See notes.txt and setup.cfg, e.g. the README.md section; i.e. nothing to do.",
]


@pytest.mark.parametrize("text", NOT_PII)
def test_no_false_positives_on_ordinary_numbers(patterns: PatternDetector, text: str) -> None:
    assert spans(text, patterns.detect(text)) == []


def test_an_order_number_that_happens_to_pass_the_tckn_checksum_is_not_an_id(
    patterns: PatternDetector,
) -> None:
    order = "Sipariş no 12345678950 hakkında bilgi alabilir miyim?"
    assert patterns.detect(order) == []
    identity = "TC kimlik no 12345678950 ile kayıtlıyım."
    assert spans(identity, patterns.detect(identity)) == [("TR_NATIONAL_ID", "12345678950")]


def test_context_words_raise_scores(patterns: PatternDetector) -> None:
    bare = patterns.detect("it is 212-555-0199 tomorrow")
    with_context = patterns.detect("my phone is 212-555-0199")
    assert [f.score for f in bare] == [0.4]
    assert [f.score for f in with_context] == [0.75]


def test_unformatted_numbers_need_context_to_count_as_phones(patterns: PatternDetector) -> None:
    assert patterns.detect("ticket 2125550199 is open") == []
    text = "call me on 2125550199"
    assert spans(text, patterns.detect(text)) == [("PHONE_NUMBER", "2125550199")]


def test_bare_ssn_needs_context(patterns: PatternDetector) -> None:
    assert patterns.detect("reference 536221234") == []
    text = "my ssn is 536221234"
    assert spans(text, patterns.detect(text)) == [("US_SSN", "536221234")]


def test_version_context_rules_out_an_ip(patterns: PatternDetector) -> None:
    assert patterns.detect("Upgraded to version 10.0.0.1 yesterday") == []
    text = "the server at 10.0.0.1 is down"
    assert spans(text, patterns.detect(text)) == [("IP_ADDRESS", "10.0.0.1")]


@pytest.mark.parametrize(
    "text",
    [
        "Please explain section 3.2.1.4 of the standard",
        "What does clause 4.1.2.3 of the contract require?",
        "In IFRS 9 paragraph 5.5.17.1, what is expected?",
        "The firmware 1.0.3.7 bricked the router",
        "ISO 27001 control A.12.1.2.1 - what does it mean?",
        "Yönetmeliğin 4.1.2.3 maddesi ne diyor?",
        "The OID 2.5.4.3.1 names the attribute",
    ],
)
def test_a_document_part_or_release_numbered_like_an_ip_is_none(
    patterns: PatternDetector, text: str
) -> None:
    # Found by probing: each was hashed as an IP_ADDRESS, which is never restored.
    assert [f for f in patterns.detect(text) if f.entity_type == "IP_ADDRESS"] == []


@pytest.mark.parametrize(
    ("text", "ip"),
    [
        ("Kubernetes node 10.0.1.15 is NotReady", "10.0.1.15"),
        ("The firewall rule allows 192.168.1.10 to reach the database", "192.168.1.10"),
        ("Step 2: ssh admin@203.0.113.45 and restart nginx", "203.0.113.45"),
        ("Table 3 lists the hosts; package mirror 10.20.30.40 is down", "10.20.30.40"),
    ],
)
def test_an_ip_beside_an_infrastructure_word_is_still_found(
    patterns: PatternDetector, text: str, ip: str
) -> None:
    # Found by review: node, rule, step, package, table were words ruling an IP out.
    assert spans(text, patterns.detect(text)) == [("IP_ADDRESS", ip)]


@pytest.mark.parametrize(
    ("text", "ip"),
    [
        ("the server at 10.0.0.12 is down", "10.0.0.12"),
        ("IP: 192.168.1.1", "192.168.1.1"),
        ("Blocked 185.12.44.7 after five failed logins", "185.12.44.7"),
    ],
)
def test_an_ip_in_an_ordinary_sentence_is_still_found(
    patterns: PatternDetector, text: str, ip: str
) -> None:
    assert spans(text, patterns.detect(text)) == [("IP_ADDRESS", ip)]


def test_212_555_0199_is_a_phone_number_not_an_nhs_number(patterns: PatternDetector) -> None:
    text = "212-555-0199"
    assert spans(text, patterns.detect(text)) == [("PHONE_NUMBER", "212-555-0199")]


def test_a_rejected_candidate_leaves_room_for_the_next_recognizer(
    patterns: PatternDetector,
) -> None:
    # A 12-digit grouping fails as a card but is a valid Turkish number.
    text = "numaram 0090 212 444 44 44"
    assert spans(text, patterns.detect(text)) == [("PHONE_NUMBER", "0090 212 444 44 44")]


def test_an_invalid_iban_does_not_turn_into_a_phone_number(patterns: PatternDetector) -> None:
    assert patterns.detect("IBAN TR33 0006 1005 1978 6457 8413 27 olmalı") == []


def test_entities_filter(patterns: PatternDetector) -> None:
    text, _ = EN_MESSAGES[0]
    only = patterns.detect(text, entities={"EMAIL_ADDRESS", "PHONE_NUMBER"})
    assert types(only) == {"EMAIL_ADDRESS", "PHONE_NUMBER"}
    assert patterns.detect(text, entities=set()) == []


def test_regions_choose_national_recognizers() -> None:
    text = "TC 10000000146, SSN 536-22-1234, tel 0532 123 45 67, cell (617) 555-0199"
    us = PatternDetector(regions=("US",))
    tr = PatternDetector(regions=("TR",))
    # A national number of a country outside the regions still counts next to "tel".
    assert spans(text, us.detect(text)) == [
        ("US_SSN", "536-22-1234"),
        ("PHONE_NUMBER", "0532 123 45 67"),
        ("PHONE_NUMBER", "(617) 555-0199"),
    ]
    assert [f.recognizer for f in us.detect(text) if f.entity_type == "PHONE_NUMBER"] == [
        "phone_elsewhere", "phone",
    ]  # fmt: skip
    assert spans(text, tr.detect(text)) == [
        ("TR_NATIONAL_ID", "10000000146"),
        ("PHONE_NUMBER", "0532 123 45 67"),
        ("PHONE_NUMBER", "(617) 555-0199"),
    ]
    assert "US_SSN" not in tr.supported_entities
    # Without a phone word, only the regions' own national formats count.
    bare = "ids 10000000146, 536-22-1234, 0532 123 45 67"
    assert types(us.detect(bare)) == {"US_SSN"}
    assert types(tr.detect(bare)) == {"TR_NATIONAL_ID", "PHONE_NUMBER"}


def test_unknown_region_is_a_clear_error() -> None:
    with pytest.raises(PIIError, match=r"unknown PII region.*\['XX'\].*TR"):
        PatternDetector(regions=("TR", "XX"))


def test_min_score_filters(patterns: PatternDetector) -> None:
    strict = PatternDetector(min_score=0.7)
    text = "it is 212-555-0199 or jane@example.com"
    assert types(patterns.detect(text)) == {"PHONE_NUMBER", "EMAIL_ADDRESS"}
    assert types(strict.detect(text)) == {"EMAIL_ADDRESS"}
    with pytest.raises(PIIError, match="min_score"):
        PatternDetector(min_score=1.5)


def test_custom_recognizer_from_configuration() -> None:
    employee = CustomRecognizer(
        name="employee_id",
        entity_type="EMPLOYEE_ID",
        pattern=r"\bEMP-\d{6}\b",
        context=("employee", "personel"),
        score=0.3,
    )
    detector = PatternDetector(custom=[employee])
    assert detector.detect("badge EMP-004211 lost") == []  # 0.3 < 0.4 without context
    text = "personel numarası EMP-004211, e-posta ali@example.com"
    found = detector.detect(text)
    assert spans(text, found) == [
        ("EMPLOYEE_ID", "EMP-004211"),
        ("EMAIL_ADDRESS", "ali@example.com"),
    ]
    assert found[0].recognizer == "custom:employee_id"
    assert found[0].score == pytest.approx(0.65)


def test_custom_recognizer_with_validation_and_a_cue() -> None:
    loyalty = CustomRecognizer(
        name="loyalty",
        entity_type="LOYALTY_CARD",
        pattern=r"(?i:loyalty card)\s+(?P<value>\d{16})",
        validation="luhn",
    )
    detector = PatternDetector(custom=[loyalty], regions=("EU",))
    good = "my loyalty card 4111111111111111 please"
    bad = "my loyalty card 4111111111111112 please"
    assert spans(good, detector.detect(good)) == [("LOYALTY_CARD", "4111111111111111")]
    assert spans(bad, detector.detect(bad)) == []


def test_custom_recognizer_wins_where_it_overlaps_a_builtin() -> None:
    member = CustomRecognizer(name="member", entity_type="MEMBER_ID", pattern=r"\bM-\d{11}\b")
    detector = PatternDetector(custom=[member])
    text = "member M-10000000146"
    assert spans(text, detector.detect(text)) == [("MEMBER_ID", "M-10000000146")]


def test_findings_carry_no_values(patterns: PatternDetector) -> None:
    text = "mail jane@example.com"
    (finding,) = patterns.detect(text)
    assert "jane" not in repr(finding)
