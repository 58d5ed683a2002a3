"""Refusals read once: "I can't help with that: <reason> [rule ...]", never twice."""

from __future__ import annotations

from pathlib import Path

from charter.config import DEFAULT_POLICIES
from charter.decision import Action, Decision, Violation
from charter.errors import PolicyViolation
from charter.refusal import refusal_text
from charter.testing import make_charter


def _decision(message: str) -> Decision:
    return Decision(action=Action.DENY, violations=(Violation(rule="r.x", message=message),))


def test_shipped_topic_refusal_does_not_repeat_itself(tmp_path: Path) -> None:
    ch = make_charter(DEFAULT_POLICIES, tmp_path, audit=False)
    try:
        text = refusal_text(ch.check("Which stock should I buy?"))
    finally:
        ch.close()
    assert text.startswith("I can't help with that: investment advice is outside")
    assert text.lower().count("can't help") == 1
    assert text.endswith("[rule topics.forbidden]")


def test_a_message_that_already_refuses_is_used_as_is() -> None:
    assert refusal_text(_decision("I cannot share card numbers.")) == (
        "I cannot share card numbers [rule r.x]"
    )
    assert (
        refusal_text(_decision("I can\u2019t do that here"))
        == "I can\u2019t do that here [rule r.x]"
    )
    assert refusal_text(_decision("card numbers stay private")) == (
        "I can't help with that: card numbers stay private [rule r.x]"
    )
    assert refusal_text(Decision(action=Action.DENY)) == (
        "I can't help with that: it is not allowed by policy [rule charter.policy]"
    )


def test_the_reason_is_a_rule_that_refused_not_a_redaction_or_a_log(tmp_path: Path) -> None:
    """Found by probing: violations are sorted by rule id, so a forbidden topic asked with an
    email address was refused "because of" the redaction (privacy.* sorts before topics.*),
    and a category set to `log` gave the reason for an unrelated deny."""
    ch = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit=False)
    try:
        decision = ch.check("Which stock should I buy? Reply to jane.doe@example.com")
    finally:
        ch.close()
    assert decision.action is Action.DENY and len(decision.violations) == 2
    assert decision.violations[0].action == "redact"
    text = refusal_text(decision)
    assert text.startswith("I can't help with that: investment advice is outside")
    assert text.endswith("[rule topics.forbidden]")
    logged = Violation(rule="harm.hate", message="it falls under hate speech", action="allow")
    denied = Violation(rule="topics.forbidden", message="investment advice", action="deny")
    both = Decision(action=Action.DENY, violations=(logged, denied))
    assert refusal_text(both) == "I can't help with that: investment advice [rule topics.forbidden]"


def test_the_explanation_and_the_exception_lead_with_the_rule_that_refused(
    tmp_path: Path,
) -> None:
    """Found by probing: `PolicyViolation` (str) and `Decision.explain` still began with the
    PII redaction ("deny: personal data ... is redacted ...; investment advice ..."); they
    now lead with the reasons the refusal cites, the other rules after them."""
    ch = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern", audit=False)
    try:
        decision = ch.check("Which stock should I buy? Reply to jane.doe@example.com")
    finally:
        ch.close()
    assert [v.action for v in decision.violations] == ["redact", "deny"]
    explained = decision.explain()
    assert explained.startswith("deny: investment advice is outside")
    assert explained.index("[rule topics.forbidden") < explained.index("[rule privacy.")
    assert str(PolicyViolation(decision)) == explained
