"""A TC Kimlik No written in groups (found by probing: `TC kimlik numaram 384 920 175 10`
was read as a phone number, so the KVKK national-id rule never fired, the number was
restored into the answer, and a tool result kept it as a placeholder instead of dropping
it). Grouped, it counts when a word names it and its check digits hold; an ordinary phone
number (a Turkish mobile has eleven digits too) stays a phone number."""

from __future__ import annotations

import pytest

from charter import PolicyViolation
from charter.guard import Charter
from charter.pii import PatternDetector
from charter.testing import RecordingModel
from tests.pii.pii_support import spans

TCKN = "38492017510"  # valid NVI check digits


@pytest.mark.parametrize(
    "grouped",
    ["384 920 175 10", "384.920.175.10", "384-920-175-10", "3849 2017 510", "38492 017510"],
)
@pytest.mark.parametrize("sentence", ["TC kimlik numaram {}, kartımı kapatın.", "TCKN: {}"])
def test_a_grouped_tc_kimlik_no_next_to_its_name_is_a_national_id(
    grouped: str, sentence: str
) -> None:
    text = sentence.format(grouped)
    assert spans(text, PatternDetector().detect(text)) == [("TR_NATIONAL_ID", grouped)]


@pytest.mark.parametrize(
    "text",
    [
        "384 920 175 10 numaramı arayın",  # no word names an id: a phone number
        "TC kimlik numaram 0532 123 45 67",  # a mobile: leading 0, never a TC Kimlik No
        "TC kimlik numaram 384 920 175 11",  # check digits fail
        "TC kimlik numaram 384 920-175.10",  # separators mixed: some other number
    ],
)
def test_other_grouped_numbers_are_not_national_ids(text: str) -> None:
    assert "TR_NATIONAL_ID" not in {f.entity_type for f in PatternDetector().detect(text)}


def test_a_grouped_tc_kimlik_no_is_denied_and_dropped_from_a_tool_result(
    charter: Charter,
) -> None:
    model = RecordingModel(lambda prompt: "Kaydınız: " + prompt)
    ask = charter.guard(model=model.name, provider="openai")(model)
    with pytest.raises(PolicyViolation) as denied:
        ask("TC kimlik numaram 384 920 175 10, kartımı kapatın.")
    assert "privacy.national_id_external" in denied.value.decision.rules
    assert model.calls == []

    @charter.guard.tool
    def get_account_summary(customer_id: str) -> str:
        return "Müşteri kaydı: TCKN 384 920 175 10, segment: bireysel"

    summary = get_account_summary("c-1")
    assert "384" not in summary and "<" not in summary
    assert summary.startswith("Müşteri kaydı: TCKN") and summary.endswith("segment: bireysel")
