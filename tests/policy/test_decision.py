from __future__ import annotations

import shutil
from pathlib import Path

import pydantic
import pytest

from charter.config import DEFAULT_POLICIES
from charter.decision import (
    Action,
    ApprovalSpec,
    Approvers,
    Decision,
    RedactOperator,
    Violation,
    strictest,
)
from charter.policy.embedded import EmbeddedEngine


def _decision() -> Decision:
    return Decision(
        action=Action.REQUIRE_APPROVAL,
        violations=(
            Violation(
                rule="tools.refund_over_limit",
                principle="Four eyes",
                severity="high",
                message="refund above 500 needs finance",
            ),
        ),
        redact={"EMAIL_ADDRESS": RedactOperator.PLACEHOLDER},
        approval=ApprovalSpec(approvers=Approvers(roles=("finance",)), min_approvals=2),
        obligations={"restore_pii": ["EMAIL_ADDRESS"]},
        policy_revision="abc123",
    )


def test_json_round_trip_is_lossless() -> None:
    d = _decision()
    back = Decision.from_json(d.to_json())
    assert back == d
    assert back.approval is not None and back.approval.approvers.roles == ("finance",)


def test_decision_is_immutable() -> None:
    d = _decision()
    with pytest.raises(pydantic.ValidationError):
        d.action = Action.ALLOW  # type: ignore[misc]


def test_explain_names_rule_principle_and_message() -> None:
    text = _decision().explain()
    assert "tools.refund_over_limit" in text
    assert "Four eyes" in text
    assert "refund above 500 needs finance" in text


def test_precedence_deny_beats_approval_beats_redact_beats_allow() -> None:
    ds = [Decision(action=a) for a in (Action.ALLOW, Action.REDACT, Action.REQUIRE_APPROVAL)]
    assert strictest(ds).action is Action.REQUIRE_APPROVAL
    assert strictest([*ds, Decision(action=Action.DENY)]).action is Action.DENY
    assert strictest([Decision(action=Action.ALLOW)]).action is Action.ALLOW


def test_fail_closed_denies_and_says_why() -> None:
    d = Decision.fail_closed("engine exploded")
    assert d.action is Action.DENY and not d.allowed
    assert d.error == "engine exploded"
    assert "charter.fail_closed" in d.rules
    assert "engine exploded" in d.explain()


def test_unknown_action_is_rejected() -> None:
    with pytest.raises(pydantic.ValidationError):
        Decision.model_validate({"action": "maybe"})


def test_the_guards_policy_document_is_the_policy_input_contract() -> None:
    from datetime import UTC, datetime

    from charter.decision import Stage
    from charter.policy.input import (
        AttachmentRef,
        ModelRef,
        PIISummary,
        PolicyInput,
        ToolRef,
        UserRef,
        policy_document,
    )

    pii = (PIISummary(type="EMAIL_ADDRESS", score=0.99, count=2),)
    metadata = {"ticket": 7, "at": datetime(2025, 1, 2, tzinfo=UTC), "tags": ("a", "b")}
    pdf = {"kind": "file", "media_type": "application/pdf", "read": False}
    for tool in (None, ("issue_refund", {"amount": 900, "note": "<PERSON_1>"})):
        attachments = () if tool else (pdf,)
        expected = PolicyInput(
            stage=Stage.TOOL_CALL,
            app="a",
            tenant="t",
            environment="e",
            user=UserRef(id="u-1", roles=("agent",)),
            model=ModelRef(provider="openai", name="m"),
            text="hi <EMAIL_ADDRESS_1>",
            pii=pii,
            signals={"jailbreak": 0.1},
            tool=ToolRef(name=tool[0], arguments=tool[1]) if tool else None,
            metadata=metadata,
            attachments=[AttachmentRef(**a) for a in attachments] or None,
        ).to_dict()
        assert (
            policy_document(
                stage=Stage.TOOL_CALL,
                app="a",
                tenant="t",
                environment="e",
                user="u-1",
                roles=("agent",),
                model=ModelRef(provider="openai", name="m"),
                text="hi <EMAIL_ADDRESS_1>",
                pii=pii,
                signals={"jailbreak": 0.1},
                tool=tool,
                metadata=metadata,
                attachments=attachments,
            )
            == expected
        )


def test_a_finding_action_that_is_no_string_is_a_deny_under_the_users_rule(
    tmp_path: Path,
) -> None:
    """Found by probing: `"action": 1` in a rule of one's own made the decision
    charter.fail_closed ("violations.0.action: Input should be a valid string"), hiding the
    rule; main.rego counts an unknown action as deny, and so does the violation."""
    shutil.copytree(DEFAULT_POLICIES / "charter", tmp_path / "charter")
    for action in ("1", "null", '["deny"]', '{"x": 1}'):
        (tmp_path / "charter" / "acme.rego").write_text(
            "package charter.topics\n\nimport rego.v1\n\n"
            f'findings contains {{"action": {action}, "rule": "acme.x", "message": "acme says no"}}'
            ' if input.stage == "input"\n'
        )
        decision = EmbeddedEngine(tmp_path).evaluate({"schema": 1, "stage": "input", "text": "hi"})
        assert decision.error is None and decision.action is Action.DENY
        assert decision.rules == ("acme.x",) and decision.violations[0].action == "deny"
        assert decision.violations[0].message == "acme says no"
