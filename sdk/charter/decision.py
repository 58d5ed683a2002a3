"""The policy decision contract, as immutable typed values.

A `Decision` is what a policy engine returns for one stage of one call. It is JSON
round-trippable (`to_json` / `from_json`) so the audit log, OPA and the console all speak
the same shape as the Rego `decision` rule (see DESIGN.md, "Policy decision contract").
"""

from __future__ import annotations

import os
import random
import uuid
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from charter._bounds import ONE_YEAR_S, at_most
from charter.values import RedactOperator

_FROZEN = ConfigDict(frozen=True, extra="ignore")
_IDS = random.Random(os.urandom(32))
"""Decision ids: unique, not secret. Seeded from the OS; drawing from it never makes a
system call, which on a busy process hands the GIL to another thread for milliseconds."""


def _reseed_ids() -> None:
    """A forked worker (gunicorn --preload, Celery prefork) inherits this generator's state:
    without a new seed every worker would hand out its siblings' decision ids."""
    _IDS.seed(os.urandom(32))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed_ids)


def new_decision_id() -> str:
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


__all__ = [
    "Action",
    "ApprovalSpec",
    "Approvers",
    "Critique",
    "Decision",
    "RedactOperator",
    "Requirement",
    "ReviseSpec",
    "Severity",
    "Stage",
    "Violation",
    "strictest",
]


class Action(StrEnum):
    ALLOW = "allow"
    REDACT = "redact"
    REVISE = "revise"
    REQUIRE_APPROVAL = "require_approval"
    DENY = "deny"

    @property
    def rank(self) -> int:
        """Precedence: deny > require_approval > revise > redact > allow.

        Revise outranks redact because the revision replaces the draft and goes through every
        check again (the draft's redactions are moot); it ranks below a hold and a deny because
        neither a human's decision nor a hard no can be met by rewording."""
        return _RANK[self]


_RANK = {
    Action.ALLOW: 0,
    Action.REDACT: 1,
    Action.REVISE: 2,
    Action.REQUIRE_APPROVAL: 3,
    Action.DENY: 4,
}
INCOMPLETE_DECISION = "charter.incomplete_decision"
"""The rule a bundle's `default decision` names when the decision's parts could not be
computed (the starter bundle's main.rego: e.g. its data.json is missing). The bundle fails
closed by itself; the SDK also reads such a decision as an evaluation error
(`Decision.error`), so evals, replay and probes count it as one, not as a deny."""
_PASSING = (Action.ALLOW, Action.REDACT)
"""Actions that let the text go on: a decision's `allowed`, and findings that are never
why a call was refused."""
MAX_REVISE_ROUNDS = 5
"""The most revision rounds a policy may ask for: each round is one more model call."""
MAX_APPROVAL_TIMEOUT_S = ONE_YEAR_S
"""The longest approval deadline a policy may set (a year). Past about 3e11 s the deadline
is past the year 9999, and the guarded call failed with a raw `OverflowError`."""


class Stage(StrEnum):
    INPUT = "input"
    OUTPUT = "output"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"

    @property
    def is_response(self) -> bool:
        """What came back (the model's answer, a tool's result), not what was sent."""
        return self is Stage.OUTPUT or self is Stage.TOOL_RESULT


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Violation(BaseModel):
    """One rule that fired, with the principle behind it."""

    model_config = _FROZEN

    rule: str
    principle: str = ""
    severity: Severity = Severity.MEDIUM
    message: str = ""
    action: str = ""
    """The action the rule's finding asked for (`log` findings ask `allow`), so a refusal
    gives the reason of a rule that refused; "" when the policy does not say."""

    @field_validator("action", mode="before")
    @classmethod
    def _unknown_action_is_deny(cls, value: Any) -> Any:
        """A finding's action that is no string counts as a deny, as in main.rego: failing
        validation made the decision charter.fail_closed and hid the rule and its message
        (found by probing)."""
        return value if isinstance(value, str) else "deny"

    def explain(self) -> str:
        why = self.message or self.rule
        principle = f"; {self.principle}" if self.principle else ""
        return f"{why} [rule {self.rule}{principle}]"


class Approvers(BaseModel):
    model_config = _FROZEN

    roles: tuple[str, ...] = ()
    users: tuple[str, ...] = ()


class Requirement(BaseModel):
    """One holding rule's own approvers and count. Kept apart from the merged `approvers`
    because that union let one approval from either group release a call two rules held."""

    model_config = _FROZEN

    rule: str = ""
    approvers: Approvers = Field(default_factory=Approvers)
    min_approvals: int = Field(default=1, ge=1)


class ApprovalSpec(BaseModel):
    """What a `require_approval` decision asks for: who, how many, how long."""

    model_config = _FROZEN

    reason: str = ""
    rules: tuple[str, ...] = ()
    """The rules that asked for the approval (other rules of the decision may only redact)."""
    approvers: Approvers = Field(default_factory=Approvers)
    min_approvals: int = Field(default=1, ge=1)
    timeout_s: float = Field(default=3600.0, gt=0)
    on_timeout: Literal["deny", "escalate"] = "deny"
    escalate_to: Approvers | None = None
    requirements: tuple[Requirement, ...] = ()
    """Each holding rule's requirement; all must be met. `approvers` and `min_approvals`
    are their union, for display and for who may vote."""

    @field_validator("timeout_s")
    @classmethod
    def _timeout_bound(cls, value: float) -> float:
        """Over the bound the decision is an evaluation error: the call fails closed."""
        return at_most(value, MAX_APPROVAL_TIMEOUT_S, "s", " (365 days)")


class Critique(BaseModel):
    """Why a draft answer must be revised: the rule, the principle it fell short of, and
    the instruction the model is given to revise it (policy data, reviewed in git)."""

    model_config = _FROZEN

    rule: str
    principle: str = ""
    instruction: str = ""


class ReviseSpec(BaseModel):
    """What a `revise` decision asks for: critiques to revise against, and how many rounds
    (model calls) the guard may spend before it refuses."""

    model_config = _FROZEN

    critiques: tuple[Critique, ...] = ()
    max_rounds: int = Field(default=1, ge=1, le=MAX_REVISE_ROUNDS)


class Decision(BaseModel):
    """The outcome of evaluating one stage. Immutable; `explain()` is human-readable."""

    model_config = _FROZEN

    action: Action
    violations: tuple[Violation, ...] = ()
    redact: dict[str, RedactOperator] = Field(default_factory=dict)
    approval: ApprovalSpec | None = None
    revise: ReviseSpec | None = None
    """Set with action `revise` (output stage only): what to revise against."""
    obligations: dict[str, Any] = Field(default_factory=dict)
    decision_id: str = Field(default_factory=new_decision_id)
    policy_revision: str = ""
    stage: Stage = Stage.INPUT
    eval_ms: float = 0.0
    error: str | None = None
    """Set when the decision was produced by failing closed (or open) on an error."""

    @field_validator("violations", mode="before")
    @classmethod
    def _violations_from_any_iterable(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, dict):  # Rego sets of objects can arrive keyed oddly
            return tuple(value.values())
        return value

    @field_validator("redact", "obligations", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    # --- convenience ---------------------------------------------------------------------

    @property
    def allowed(self) -> bool:
        """May the text go on as it is (redacted where asked)? False for revise: the draft is
        held back until a revision passes."""
        return self.action in _PASSING

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(v.rule for v in self.violations)

    @property
    def principles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.principle for v in self.violations if v.principle))

    @property
    def restore_types(self) -> tuple[str, ...]:
        """The entity types this decision's `restore_pii` obligation names (none when absent)."""
        value = self.obligations.get("restore_pii") if self.obligations else None
        return tuple(value) if isinstance(value, list | tuple) else ()

    @property
    def reasons(self) -> tuple[Violation, ...]:
        """The violations that say why: those whose finding asked for the decision's own
        action. A redaction or a logged finding beside a deny is not why it was refused
        (sorted by rule id, a PII redaction was; found by probing). Policies that name no
        action, and decisions enforced as a deny (a revise that cannot be carried out),
        cite what refuses."""
        own = tuple(v for v in self.violations if v.action == self.action.value)
        refusing = tuple(v for v in self.violations if v.action not in _PASSING)
        return own or refusing or self.violations

    def explain(self) -> str:
        """One line a person can act on: action, then each rule with principle and message,
        the `reasons` first."""
        head = f"{self.action.value}"
        if self.error:
            head += f" (policy could not be evaluated: {self.error})"
        if not self.violations:
            return head
        cited = self.reasons
        ordered = cited + tuple(v for v in self.violations if v not in cited)
        return head + ": " + "; ".join(v.explain() for v in ordered)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: str | bytes) -> Decision:
        return cls.model_validate_json(data)

    def as_deny(self, note: str = "") -> Decision:
        """This decision enforced as a deny, citing the same rules: a `revise` that cannot be
        carried out (rounds used up, a prompt shape that cannot carry a critique). `note`
        is added to each violation's message, in parentheses."""
        violations = self.violations
        if note:
            violations = tuple(
                v.model_copy(update={"message": f"{v.message or v.rule} ({note})"})
                for v in violations
            )
        return self.model_copy(update={"action": Action.DENY, "violations": violations})

    @classmethod
    def fail_closed(
        cls,
        reason: str,
        *,
        stage: Stage = Stage.INPUT,
        policy_revision: str = "",
        eval_ms: float = 0.0,
    ) -> Decision:
        """The decision used when a policy cannot be evaluated: deny, citing why."""
        return cls._on_error(
            Action.DENY,
            "charter.fail_closed",
            "Fail closed: an unevaluable policy denies",
            Severity.HIGH,
            "the policy could not be evaluated",
            reason,
            stage,
            policy_revision,
            eval_ms,
        )

    @classmethod
    def fail_open(
        cls,
        reason: str,
        *,
        stage: Stage = Stage.INPUT,
        policy_revision: str = "",
        eval_ms: float = 0.0,
    ) -> Decision:
        """Used only when the policy itself marks its decision rule `fail_open: true`."""
        return cls._on_error(
            Action.ALLOW,
            "charter.fail_open",
            "Policy marked fail-open",
            Severity.LOW,
            "the policy could not be evaluated; allowed because it is fail-open",
            reason,
            stage,
            policy_revision,
            eval_ms,
        )

    @classmethod
    def _on_error(
        cls,
        action: Action,
        rule: str,
        principle: str,
        severity: Severity,
        message: str,
        reason: str,
        stage: Stage,
        policy_revision: str,
        eval_ms: float,
    ) -> Decision:
        violation = Violation(rule=rule, principle=principle, severity=severity, message=message)
        return cls(
            action=action,
            violations=(violation,),
            stage=stage,
            policy_revision=policy_revision,
            eval_ms=eval_ms,
            error=reason,
        )


def strictest(decisions: list[Decision]) -> Decision:
    """The decision that wins under deny > require_approval > revise > redact > allow."""
    if not decisions:
        raise ValueError("strictest() needs at least one decision")
    return max(decisions, key=lambda d: d.action.rank)
