"""Decisions the guard makes itself, without the policy: recorded like any decision (audit
log, span, metrics) so an operator sees them, and never holding the data they are about."""

from __future__ import annotations

from collections.abc import Mapping

from charter.decision import Action, Decision, Severity, Stage, Violation
from charter.pipeline.limits import Overrun

LIMIT_RULE = "charter.limit_exceeded"
CROSS_PRINCIPAL_RULE = "charter.pii.cross_principal_restore"
UNREADABLE_RULE = "charter.unreadable_data"


def over_limit(overrun: Overrun, stage: Stage, policy_revision: str) -> Decision:
    """Data over a size or depth limit: denied, the policy was not evaluated on it."""
    violation = Violation(
        rule=LIMIT_RULE,
        principle="Bounded input: data too large or too deeply nested to check is refused",
        severity=Severity.HIGH,
        message=overrun.message,
    )
    return Decision(
        action=Action.DENY,
        violations=(violation,),
        stage=stage,
        policy_revision=policy_revision,
        error=f"limit: {overrun.setting} {overrun.limit} exceeded",
    )


def unreadable(message: str, stage: Stage, policy_revision: str) -> Decision:
    """Tool data with no JSON view (`pipeline.limits.Unreadable`), an answer not in the
    shape its adapter reads: denied unchecked."""
    violation = Violation(
        rule=UNREADABLE_RULE,
        principle="Checkable input: data the guard cannot read as JSON is refused unchecked",
        severity=Severity.HIGH,
        message=message,
    )
    return Decision(
        action=Action.DENY,
        violations=(violation,),
        stage=stage,
        policy_revision=policy_revision,
        error="unreadable: no JSON view",
    )


def cross_principal_restore(refused: Mapping[str, int], policy_revision: str) -> Decision:
    """An answer held placeholders that another user of the same conversation was issued:
    they were not restored (`redact`: the answer went out with them as placeholders)."""
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(refused.items()))
    violation = Violation(
        rule=CROSS_PRINCIPAL_RULE,
        principle="Placeholders are restorable only for the principal that made them",
        severity=Severity.HIGH,
        message=(
            f"the answer held placeholders issued to another user of this conversation "
            f"({kinds}); they were not restored"
        ),
    )
    return Decision(
        action=Action.REDACT,
        violations=(violation,),
        stage=Stage.OUTPUT,
        policy_revision=policy_revision,
    )
