"""What the shipped policy sends to an external model, with the pattern detector: found by
probing, a date of birth was detected (DATE_TIME) and sent as typed, because the bundle's
`redact_operators` named no DATE_TIME."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.config import DEFAULT_POLICIES
from charter.pii import PatternDetector
from charter.testing import RecordingModel, make_charter

DATES_OF_BIRTH = [
    ("DOB: 12/03/1985", "12/03/1985"),
    ("Date of birth: 1985-03-12, please update my profile", "1985-03-12"),
    ("I was born on 12 March 1985", "12 March 1985"),
    ("Doğum tarihim 12.03.1985, bilgilerimi güncelleyin", "12.03.1985"),
    ("5 Mayıs 1994 doğumluyum", "5 Mayıs 1994"),
]


@pytest.mark.parametrize(("text", "dob"), DATES_OF_BIRTH)
def test_a_date_of_birth_reaches_the_model_as_a_placeholder_and_comes_back(
    tmp_path: Path, text: str, dob: str
) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    model = RecordingModel(lambda prompt: f"Noted: {prompt}")
    ask = charter.guard(model=model.name, provider="openai")(model)
    answer = ask(text)
    assert model.calls[-1] == text.replace(dob, "<DATE_TIME_1>")
    assert answer == f"Noted: {text}"  # the caller's own date is restored


@pytest.mark.parametrize(
    "text",
    [
        "What are your opening hours on Saturday?",
        "My 2024-05-01 statement shows a fee I don't recognise",
        "The transfer on 12/03/2024 has not arrived",
        "Is the Ankara branch open on 29 October?",
        "15 Mart'ta ödeme yaptım ama görünmüyor",
    ],
)
def test_an_ordinary_date_is_no_finding(patterns: PatternDetector, text: str) -> None:
    assert [f for f in patterns.detect(text) if f.entity_type == "DATE_TIME"] == []
