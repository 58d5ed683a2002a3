"""Personal data inside a URL is found as its own entity (found by probing: the URL was one
finding, the scan resumed after it, and the e-mail, TC Kimlik No, card or IBAN in its
query went to the model in clear; the national-ID rule never fired)."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.config import DEFAULT_POLICIES
from charter.errors import PolicyViolation
from charter.pii import PatternDetector, Redactor
from charter.testing import RecordingModel, make_charter
from tests.pii.pii_support import spans

TCKN = "39141777694"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The reset link https://bank.example.com/reset?email=jane.doe@example.com&t=1 fails",
            [
                ("URL", "https://bank.example.com/reset?email="),
                ("EMAIL_ADDRESS", "jane.doe@example.com"),
                ("URL", "&t=1"),
            ],
        ),
        (
            f"Link: https://bank.example.com/verify?tckn={TCKN}&tel=05321234567",
            [
                ("URL", "https://bank.example.com/verify?tckn="),
                ("TR_NATIONAL_ID", TCKN),
                ("URL", "&tel="),
                ("PHONE_NUMBER", "05321234567"),
            ],
        ),
        (
            "Ödeme: https://pay.example.com/checkout?card=4111111111111111&exp=1227",
            [
                ("URL", "https://pay.example.com/checkout?card="),
                ("CREDIT_CARD", "4111111111111111"),
                ("URL", "&exp=1227"),
            ],
        ),
        (
            "Profilim: https://bank.example.com/users/jane.doe@example.com/settings",
            [
                ("URL", "https://bank.example.com/users/"),
                ("EMAIL_ADDRESS", "jane.doe@example.com"),
                ("URL", "/settings"),
            ],
        ),
        (
            "IBAN linki pay.example.com/t?iban=TR180006200119000006672315",
            [("URL", "pay.example.com/t?iban="), ("IBAN_CODE", "TR180006200119000006672315")],
        ),
    ],
)
def test_values_in_a_url_path_or_query_are_findings_of_their_own(
    patterns: PatternDetector, text: str, expected: list[tuple[str, str]]
) -> None:
    assert spans(text, patterns.detect(text)) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://portal.example.com/u/4481?tab=billing&page=2",
        "http://192.168.10.24:8080/admin",  # the host names a server, not a person
        "www.example.com/orders/A-10023",
        "https://www.ups.com/track?num=1Z999AA10123456784",  # digits inside an id
    ],
)
def test_a_url_with_nothing_personal_inside_stays_one_finding(
    patterns: PatternDetector, url: str
) -> None:
    text = f"See {url} please"
    assert spans(text, patterns.detect(text)) == [("URL", url)]


def test_redaction_replaces_the_values_and_keeps_the_url_usable() -> None:
    redactor = Redactor(
        operators={"EMAIL_ADDRESS": "placeholder", "CREDIT_CARD": "mask"}, default=None
    )
    red = redactor.redact(
        "https://bank.example.com/reset?email=jane.doe@example.com&card=4111111111111111&t=1"
    )
    assert red.text == (
        "https://bank.example.com/reset?email=<EMAIL_ADDRESS_1>&card=************1111&t=1"
    )


def test_a_policy_that_redacts_urls_still_covers_every_character() -> None:
    red = Redactor().redact("go to https://bank.example.com/u/jane.doe@example.com/x now")
    assert red.text == "go to <URL_1><EMAIL_ADDRESS_1><URL_2> now"


def test_a_national_id_in_a_url_is_denied_by_the_shipped_policy(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    model = RecordingModel("ok")
    ask = charter.guard(model=model.name, provider="openai")(model)
    with pytest.raises(PolicyViolation, match="TR_NATIONAL_ID"):
        ask(f"Bu link açılmıyor: https://bank.example.com/verify?tckn={TCKN}")
    assert model.calls == []
    assert ask("The link https://bank.example.com/reset?email=jane.doe@example.com fails") == "ok"
    assert (
        model.calls[-1] == "The link https://bank.example.com/reset?email=<EMAIL_ADDRESS_1> fails"
    )
