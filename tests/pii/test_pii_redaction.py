"""Redaction operators, exact round trips, restoring model output, nested JSON."""

from __future__ import annotations

import re
from typing import Any

import pytest

from charter.decision import Decision, RedactOperator
from charter.errors import ConfigurationError, PIIError
from charter.pii import (
    Finding,
    PatternDetector,
    Redactor,
    Scope,
    Vault,
    mask,
    redact,
    redact_json,
    summarize,
)
from charter.policy.input import PIISummary
from charter.values import JsonKey
from tests.pii.pii_support import spans

TURN_1 = (
    "Hi, I'm Jane Doe. Card 4111 1111 1111 1111 was charged twice; mail me at "
    "jane.doe@example.com or call (212) 555-0199."
)
TURN_2 = "Actually use jane.doe@example.com only, and my other card 5555 5555 5555 4444."
TR_TURN = (
    "Merhaba, ben Ayşe Yılmaz. TC kimlik numaram 10000000146, IBAN "
    "TR33 0006 1005 1978 6457 8413 26, telefon 0532 123 45 67."
)


@pytest.mark.parametrize("text", [TURN_1, TURN_2, TR_TURN])
def test_round_trip_is_exact(patterns: PatternDetector, vault: Vault, text: str) -> None:
    red = Redactor(patterns, vault=vault).redact(text)
    assert red.changed
    for f in red.findings:
        assert text[f.start : f.end] not in red.text
    assert red.restore(red.text) == text


def test_placeholders_read_naturally_and_are_counted(patterns: PatternDetector) -> None:
    red = Redactor(patterns).redact(TURN_1)
    assert red.text == (
        "Hi, I'm <PERSON_1>. Card <CREDIT_CARD_1> was charged twice; mail me at "
        "<EMAIL_ADDRESS_1> or call <PHONE_NUMBER_1>."
    )
    assert red.placeholders == {
        "CREDIT_CARD": 1,
        "EMAIL_ADDRESS": 1,
        "PERSON": 1,
        "PHONE_NUMBER": 1,
    }


def test_placeholders_are_stable_across_turns_of_a_conversation(
    patterns: PatternDetector, vault: Vault
) -> None:
    redactor = Redactor(patterns, vault=vault)
    scope = Scope.conversation("support-77", subject="cust-1")
    first = redactor.redact(TURN_1, scope=scope)
    second = redactor.redact(TURN_2, scope=scope)
    assert "<EMAIL_ADDRESS_1>" in first.text and "<CREDIT_CARD_1>" in first.text
    assert second.text == "Actually use <EMAIL_ADDRESS_1> only, and my other card <CREDIT_CARD_2>."
    answer = (
        "I refunded <CREDIT_CARD_1>; <CREDIT_CARD_2> is untouched. "
        "Confirmation to <EMAIL_ADDRESS_1>."
    )
    assert second.restore(answer) == (
        "I refunded 4111 1111 1111 1111; 5555 5555 5555 4444 is untouched. "
        "Confirmation to jane.doe@example.com."
    )


def test_a_new_request_scope_restarts_numbering(patterns: PatternDetector, vault: Vault) -> None:
    redactor = Redactor(patterns, vault=vault)
    assert "<EMAIL_ADDRESS_1>" in redactor.redact(TURN_1).text
    assert redactor.redact("write to other@example.com").text == "write to <EMAIL_ADDRESS_1>"


@pytest.mark.parametrize(
    "echo",
    [
        "Sure <EMAIL_ADDRESS_1>!",
        "Sure [EMAIL_ADDRESS_1]!",
        "Sure < EMAIL_ADDRESS_1 >!",
        "Sure email_address_1!",
        "Sure &lt;EMAIL_ADDRESS_1&gt;!",
        "Sure {EMAIL_ADDRESS_1}!",
    ],
)
def test_restore_accepts_the_spellings_models_echo(patterns: PatternDetector, echo: str) -> None:
    red = Redactor(patterns).redact("mail jane@example.com")
    assert red.restore(echo) == "Sure jane@example.com!"


def test_restore_leaves_unknown_and_disallowed_placeholders(patterns: PatternDetector) -> None:
    red = Redactor(patterns).redact(TR_TURN)
    answer = "Kimlik <TR_NATIONAL_ID_1>, telefon <PHONE_NUMBER_1>, <PHONE_NUMBER_9>, ITEM_2."
    assert red.restore(answer, entities={"PHONE_NUMBER"}) == (
        "Kimlik <TR_NATIONAL_ID_1>, telefon 0532 123 45 67, <PHONE_NUMBER_9>, ITEM_2."
    )


def test_an_unpaired_bracket_is_kept(patterns: PatternDetector) -> None:
    red = Redactor(patterns).redact("mail jane@example.com")
    assert red.restore("(<EMAIL_ADDRESS_1)") == "(<jane@example.com)"
    assert red.restore("<<EMAIL_ADDRESS_1>>") == "<jane@example.com>"


def test_operators_from_a_policy_decision(patterns: PatternDetector, vault: Vault) -> None:
    decision = Decision.model_validate(
        {
            "action": "redact",
            "redact": {
                "CREDIT_CARD": "mask",
                "EMAIL_ADDRESS": "hash",
                "PHONE_NUMBER": "drop",
                "*": "placeholder",
            },
        }
    )
    findings = patterns.detect(TURN_1)
    red = redact(TURN_1, findings, decision.redact, vault=vault, scope=Scope.request())
    assert red.text.startswith("Hi, I'm <PERSON_1>. Card **** **** **** 1111 was charged")
    assert re.search(r"mail me at <EMAIL_ADDRESS#[0-9a-f]{16}> or call \.$", red.text)
    assert red.placeholders == {"PERSON": 1}
    assert red.restore(red.text) == red.text.replace("<PERSON_1>", "Jane Doe")


def test_hash_is_stable_per_tenant_and_keyed(patterns: PatternDetector) -> None:
    findings = patterns.detect("mail jane@example.com")
    ops = {"EMAIL_ADDRESS": RedactOperator.HASH}
    vault = Vault()
    a = redact("mail jane@example.com", findings, ops, vault=vault, scope=Scope.request())
    b = redact("mail jane@example.com", findings, ops, vault=vault, scope=Scope.request())
    other_tenant = redact(
        "mail jane@example.com", findings, ops, vault=vault, scope=Scope.request(tenant="t2")
    )
    other_key = redact("mail jane@example.com", findings, ops, vault=Vault(), scope=Scope.request())
    assert a.text == b.text
    assert a.text != other_tenant.text and a.text != other_key.text


def test_types_without_an_operator(patterns: PatternDetector, vault: Vault) -> None:
    text = "mail jane@example.com, call 212-555-0199"
    findings = patterns.detect(text)
    ops = {"EMAIL_ADDRESS": "placeholder"}
    kept = redact(text, findings, ops, vault=vault, default=None)
    closed = redact(text, findings, ops, vault=vault)
    assert kept.text == "mail <EMAIL_ADDRESS_1>, call 212-555-0199"
    assert closed.text == "mail <EMAIL_ADDRESS_1>, call <PHONE_NUMBER_1>"


def test_mask() -> None:
    assert mask("4111 1111 1111 1111") == "**** **** **** 1111"
    assert mask("TR33 0006 1005 1978 6457 8413 26") == "**** **** **** **** **** **13 26"
    assert mask("Jane Doe") == "**** ***"
    assert mask("0532 123 45 67") == "**** *** 45 67"


def test_bad_operator_and_foreign_findings_are_clear_errors(vault: Vault) -> None:
    text = "mail jane@example.com"
    finding = Finding("EMAIL_ADDRESS", 5, 21, 1.0, "email")
    with pytest.raises(PIIError, match="unknown redaction operator 'blur' for EMAIL_ADDRESS"):
        redact(text, [finding], {"EMAIL_ADDRESS": "blur"}, vault=vault)
    with pytest.raises(PIIError, match="outside the text"):
        redact("short", [finding], {}, vault=vault)


def test_overlapping_findings_are_resolved_before_replacing(vault: Vault) -> None:
    text = "IBAN TR330006100519786457841326"
    findings = [
        Finding("PHONE_NUMBER", 10, 20, 0.4, "phone"),
        Finding("IBAN_CODE", 5, 31, 1.0, "iban"),
    ]
    red = redact(text, findings, {"*": "placeholder"}, vault=vault)
    assert red.text == "IBAN <IBAN_CODE_1>"
    assert [f.entity_type for f in red.findings] == ["IBAN_CODE"]


def test_redact_json_covers_nested_tool_arguments_and_results(
    patterns: PatternDetector, vault: Vault
) -> None:
    scope = Scope.conversation("agent-1")
    arguments = {
        "customer": {"email": "jane.doe@example.com", "tckn": 10000000146},
        "notes": ["call +90 532 123 45 67", "refund to TR330006100519786457841326"],
        "amount": 1299.99,
        "express": True,
        "order": "A-10023",
    }
    redacted, findings = redact_json(
        arguments, patterns, {"*": "placeholder"}, vault=vault, scope=scope
    )
    assert redacted == {
        "customer": {"email": "<EMAIL_ADDRESS_1>", "tckn": "<TR_NATIONAL_ID_1>"},
        "notes": ["call <PHONE_NUMBER_1>", "refund to <IBAN_CODE_1>"],
        "amount": 1299.99,
        "express": True,
        "order": "A-10023",
    }
    assert sorted((f.path, f.entity_type) for f in findings) == [
        (("customer", "email"), "EMAIL_ADDRESS"),
        (("customer", "tckn"), "TR_NATIONAL_ID"),
        (("notes", 0), "PHONE_NUMBER"),
        (("notes", 1), "IBAN_CODE"),
    ]
    assert vault.restore_json(redacted, scope) == arguments

    # a tool result mentioning the same person reuses the placeholders
    result, _ = redact_json(
        {"status": "sent to jane.doe@example.com"}, patterns, {"*": "placeholder"},
        vault=vault, scope=scope,
    )  # fmt: skip
    assert result == {"status": "sent to <EMAIL_ADDRESS_1>"}


IBAN = "TR330006100519786457841326"


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("send to " + "\u00a0".join(IBAN[i : i + 4] for i in range(0, 26, 4)), "IBAN_CODE",
         "\u00a0".join(IBAN[i : i + 4] for i in range(0, 26, 4))),
        ("send to " + "\u202f".join(IBAN[i : i + 4] for i in range(0, 26, 4)), "IBAN_CODE",
         "\u202f".join(IBAN[i : i + 4] for i in range(0, 26, 4))),
        ("call me at +90\u00a0532\u00a0123\u00a045\u00a067", "PHONE_NUMBER",
         "+90\u00a0532\u00a0123\u00a045\u00a067"),
        ("TC kimlik no " + "\u200b".join("10000000146"), "TR_NATIONAL_ID",
         "\u200b".join("10000000146")),
        ("TC kimlik no \uff11\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff11\uff14\uff16",
         "TR_NATIONAL_ID", "\uff11\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff11\uff14\uff16"),
        ("mail jane\u200b.doe@example.com today", "EMAIL_ADDRESS", "jane\u200b.doe@example.com"),
    ],
)  # fmt: skip
def test_odd_spaces_full_width_and_invisible_characters_hide_no_value(
    patterns: PatternDetector, vault: Vault, text: str, entity: str, value: str
) -> None:
    """Found by probing at stop 53: grouped with no-break spaces (as bank sites print an
    IBAN), typed in full-width digits or with zero-width spaces inside, these passed
    unredacted. The recognizers read the folded text; the finding covers the value as
    written, and restoring gives the caller's text back byte for byte."""
    red = Redactor(patterns, vault=vault).redact(text)
    assert [(f.entity_type, text[f.start : f.end]) for f in red.findings] == [(entity, value)]
    assert value not in red.text and f"<{entity}_1>" in red.text
    assert red.restore(red.text) == text


def test_redact_json_reads_dict_keys_as_data_too(patterns: PatternDetector, vault: Vault) -> None:
    """A key can be data (`{"jane@example.com": 450}`): it is redacted like a value, its
    finding's path ends in `JsonKey`, a renamed key never overwrites another entry, and
    restoring gives the value back whole. A placeholder already in the value (a key here)
    is never issued for another value (`placeholders.present`)."""
    scope = Scope.request()
    value = {
        "splits": {"jane.doe@example.com": 450, "TR330006100519786457841326": 450},
        "<EMAIL_ADDRESS_1>": "a key that already reads as a placeholder",
        "amount": 900,
    }
    redacted, findings = redact_json(
        value, patterns, {"*": "placeholder"}, vault=vault, scope=scope
    )
    assert redacted == {
        "splits": {"<EMAIL_ADDRESS_2>": 450, "<IBAN_CODE_1>": 450},
        "<EMAIL_ADDRESS_1>": "a key that already reads as a placeholder",
        "amount": 900,
    }
    assert {(f.path, f.entity_type) for f in findings} == {
        (("splits", JsonKey("TR330006100519786457841326")), "IBAN_CODE"),
        (("splits", JsonKey("jane.doe@example.com")), "EMAIL_ADDRESS"),
    }
    assert vault.restore_json(redacted, scope)["splits"] == value["splits"]
    top, _ = redact_json(
        {"4111 1111 1111 1111": 1, "**** **** **** 1111": 2}, patterns, {"*": "mask"},
        vault=vault, scope=Scope.request(),
    )  # fmt: skip
    assert top == {"**** **** **** 1111 (2)": 1, "**** **** **** 1111": 2}


def test_redact_json_reads_an_integral_float_as_its_digits(
    patterns: PatternDetector, vault: Vault
) -> None:
    """Found by probing: a national ID passed as `10000000146.0` was not read (ints were);
    restoring gives the int back, as for an integer leaf."""
    scope = Scope.request()
    arguments = {"tckn": 10000000146.0, "amount": 450.5, "qty": 2.0}
    redacted, findings = redact_json(
        arguments, patterns, {"*": "placeholder"}, vault=vault, scope=scope
    )
    assert redacted == {"tckn": "<TR_NATIONAL_ID_1>", "amount": 450.5, "qty": 2.0}
    assert [(f.path, f.entity_type) for f in findings] == [(("tckn",), "TR_NATIONAL_ID")]
    assert vault.restore_json(redacted, scope) == {"tckn": 10000000146, "amount": 450.5, "qty": 2.0}


def test_restore_json_respects_allowed_types(patterns: PatternDetector, vault: Vault) -> None:
    scope = Scope.request()
    value = {"id": 10000000146, "mail": "jane@example.com"}
    redacted, _ = redact_json(value, patterns, {"*": "placeholder"}, vault=vault, scope=scope)
    assert vault.restore_json(redacted, scope, entities={"EMAIL_ADDRESS"}) == {
        "id": "<TR_NATIONAL_ID_1>",
        "mail": "jane@example.com",
    }


def test_summarize_is_all_the_policy_sees(patterns: PatternDetector) -> None:
    text = TURN_1 + " " + TURN_2
    summary = summarize(patterns.detect(text))
    assert summary == (
        PIISummary(type="CREDIT_CARD", score=1.0, count=2),
        PIISummary(type="EMAIL_ADDRESS", score=1.0, count=2),
        PIISummary(type="PERSON", score=0.6, count=1),
        PIISummary(type="PHONE_NUMBER", score=0.75, count=1),
    )
    assert "jane" not in repr(summary)


def test_spacy_mode_round_trip(spacy_detector: object, vault: Vault) -> None:
    text = "This is John Smith from Boston, reach me at john@example.com."
    red = Redactor(spacy_detector, vault=vault).redact(text)  # type: ignore[arg-type]
    assert red.text == "This is <PERSON_1> from <LOCATION_1>, reach me at <EMAIL_ADDRESS_1>."
    assert red.restore(red.text) == text
    assert spans(text, red.findings)[0] == ("PERSON", "John Smith")


def test_a_scope_can_be_named_by_a_plain_id(patterns: PatternDetector, vault: Vault) -> None:
    text = "mail jane@example.com"
    first = redact(text, patterns.detect(text), {"*": "placeholder"}, vault=vault, scope="req-1")
    other = "mail john@example.com"
    second = redact(other, patterns.detect(other), {"*": "placeholder"}, vault=vault, scope="req-1")
    assert (first.text, second.text) == ("mail <EMAIL_ADDRESS_1>", "mail <EMAIL_ADDRESS_2>")
    assert vault.restore("<EMAIL_ADDRESS_1>, <EMAIL_ADDRESS_2>", "req-1") == (
        "jane@example.com, john@example.com"
    )


def test_a_json_fields_key_is_read_as_its_values_label(patterns: PatternDetector) -> None:
    """Found by probing: each leaf of tool arguments was detected alone, so a phone number
    under "phone" passed, while `phone: 5321234567` in a sentence is caught. The key now
    labels its value (list items too), in both JSON walkers; an amount stays a number."""
    from charter.privacy import Privacy

    arguments = {"phone": "5321234567", "phones": ["5321234568"], "amount": 5321234569}
    redacted, findings = redact_json(
        arguments, patterns, {"*": "placeholder"}, vault=Vault(), scope=Scope.request()
    )
    assert redacted == {
        "phone": "<PHONE_NUMBER_1>",
        "phones": ["<PHONE_NUMBER_2>"],
        "amount": 5321234569,
    }
    assert [f.path for f in findings] == [("phone",), ("phones", 0)]
    inspected = Privacy("pattern").inspect_json(arguments, scope=None)
    assert inspected.policy_value == {
        "phone": "<PHONE_NUMBER_1>",
        "phones": ["<PHONE_NUMBER_2>"],
        "amount": 5321234569,
    }
    assert [s.type for s in inspected.summaries] == ["PHONE_NUMBER"]


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda r: r.redact(None), r"Redactor\.redact takes a str \(got NoneType\)"),
        (lambda r: r.redact("mail jane@example.com", scope=5), r"vault scope .*\(got int\)"),
        (lambda r: r.redact("x").restore(None), r"Redaction\.restore takes a str"),
        (lambda r: r.redact_json(_nested(5_000)), "nested at most 200 deep"),
        (lambda r: r.redact_json({"id": 10**5_000}), "reads each number as its digits"),
        (lambda r: redact(None, [], {}, vault=r.vault), r"redact takes a str"),
        (lambda r: mask(None), r"mask takes a str \(got NoneType\)"),
        (lambda r: Scope.conversation(10**5_000), r"Scope\.conversation takes a str \(got int\)"),
    ],
)
def test_a_wrong_argument_is_a_configuration_error_naming_the_call(call: Any, named: str) -> None:
    """Found by probing: these raised TypeError or AttributeError from inside detection,
    RecursionError (a list nested 5,000 deep) or ValueError (an int past Python's
    int-to-str limit); `scope=5` was taken as a scope."""
    with pytest.raises(ConfigurationError, match=named):
        call(Redactor())


def test_redact_json_still_reads_what_the_guard_may_pass(vault: Vault) -> None:
    """Nested 200 deep (the guard takes 100 at most, then wraps a held call's keywords),
    an int of 600 digits: read as before."""
    nested: object = {"mail": "jane@example.com"}
    for _ in range(198):  # 200 deep: the guard's highest max_json_depth, wrapped
        nested = [nested]
    redacted, found = Redactor(vault=vault).redact_json({"n": 10**600, "x": nested})
    assert [f.entity_type for f in found] == ["EMAIL_ADDRESS"]
    assert "jane@example.com" not in repr(redacted)
