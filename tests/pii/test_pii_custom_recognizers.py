"""Custom recognizers declared in configuration files, and the errors bad ones give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from charter.errors import PIIError
from charter.pii import PatternDetector, load_custom_recognizers
from tests.pii.pii_support import spans

TOML = """
[[pii.recognizers]]
name = "employee_id"
entity_type = "EMPLOYEE_ID"
pattern = '\\bEMP-\\d{6}\\b'
context = ["employee", "Personel"]

[[pii.recognizers]]
name = "loyalty"
entity_type = "LOYALTY_CARD"
pattern = 'loyalty card\\s+(?P<value>\\d{16})'
ignore_case = true
validation = "luhn"
score = 0.9
"""


def test_load_from_toml_and_detect(tmp_path: Path) -> None:
    path = tmp_path / "recognizers.toml"
    path.write_text(TOML, encoding="utf-8")
    custom = load_custom_recognizers(path)
    assert [r.name for r in custom] == ["employee_id", "loyalty"]
    assert custom[0].context == ("employee", "personel")
    detector = PatternDetector(custom=custom)
    text = "Employee EMP-004211 says: LOYALTY CARD 4111111111111111, not 4111111111111112."
    assert spans(text, detector.detect(text)) == [
        ("EMPLOYEE_ID", "EMP-004211"),
        ("LOYALTY_CARD", "4111111111111111"),
    ]


def test_load_from_json(tmp_path: Path) -> None:
    path = tmp_path / "recognizers.json"
    path.write_text(
        json.dumps({"recognizers": [{"name": "plate", "entity_type": "TR_PLATE",
                                     "pattern": r"\b34 [A-Z]{1,3} \d{2,4}\b"}]}),
        encoding="utf-8",
    )  # fmt: skip
    (plate,) = load_custom_recognizers(path)
    text = "aracım 34 ABC 1234 plakalı"
    assert spans(text, PatternDetector(custom=[plate]).detect(text)) == [
        ("TR_PLATE", "34 ABC 1234")
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "x", "entity_type": "X", "pattern": "("}, r"pattern: .*does not compile"),
        ({"name": "x", "entity_type": "X", "pattern": "(?i)abc"}, "set ignore_case = true"),
        ({"name": "x", "entity_type": "X", "pattern": r"(a)\1"}, "backreferences"),
        ({"name": "x", "entity_type": "X", "pattern": "(?P<n>a)"}, "named groups"),
        ({"name": "x", "entity_type": "X", "pattern": "a*"}, "matches the empty string"),
        ({"name": "x", "entity_type": "employee id", "pattern": "a"}, "UPPER_SNAKE_CASE"),
        ({"name": "x", "entity_type": "X", "pattern": "a", "validation": "md5"}, "validation"),
        ({"name": "x", "entity_type": "X", "pattern": "a", "score": 2}, "score"),
        ({"name": "x", "entity_type": "X", "pattern": "a", "colour": "red"}, "colour"),
    ],
)
def test_bad_entries_name_the_entry_and_the_field(entry: dict[str, object], message: str) -> None:
    with pytest.raises(PIIError, match=rf"recognizer #2 \('x'\): .*{message}"):
        load_custom_recognizers([{"name": "ok", "entity_type": "OK", "pattern": "ok"}, entry])


def test_duplicate_names_are_rejected() -> None:
    entry = {"name": "dup", "entity_type": "X", "pattern": "x"}
    with pytest.raises(PIIError, match=r"unique; repeated: \['dup'\]"):
        load_custom_recognizers([entry, entry])


def test_file_problems_are_clear(tmp_path: Path) -> None:
    with pytest.raises(PIIError, match="cannot read"):
        load_custom_recognizers(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[recognizers]\n", encoding="utf-8")
    with pytest.raises(PIIError, match=r"bad.toml: not valid TOML"):
        load_custom_recognizers(bad)
    yaml = tmp_path / "r.yaml"
    yaml.write_text("recognizers: []", encoding="utf-8")
    with pytest.raises(PIIError, match=r"\.toml or \.json"):
        load_custom_recognizers(yaml)
    shapeless = tmp_path / "r.json"
    shapeless.write_text('{"recognizers": {"name": "x"}}', encoding="utf-8")
    with pytest.raises(PIIError, match="expected a list named `recognizers`"):
        load_custom_recognizers(shapeless)
