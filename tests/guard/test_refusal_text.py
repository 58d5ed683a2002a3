"""Refusals read once: "I can't help with that: <reason> [rule ...]", never twice."""

from __future__ import annotations

from pathlib import Path

from charter.config import DEFAULT_POLICIES
from charter.decision import Action, Decision, Violation
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
