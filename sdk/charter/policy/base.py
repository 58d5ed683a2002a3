"""The `PolicyEngine` protocol: what the guard, the approval queue and the CLI need from
any engine (embedded regorus, a remote OPA server, or an in-memory fake in tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from charter.decision import Decision, Stage
from charter.policy.input import PolicyInput

DECISION_PATH = "data.charter.main.decision"
CAN_APPROVE_PATH = "data.charter.approvals.can_approve"
REVIEWERS_PATH = "data.charter.reviewers"


@runtime_checkable
class PolicyEngine(Protocol):
    @property
    def revision(self) -> str:
        """The policy bundle revision stamped on every decision."""
        ...

    def evaluate(self, input: PolicyInput | Mapping[str, Any]) -> Decision:
        """Evaluate `data.charter.main.decision`. Never raises for evaluation problems:
        they become a fail-closed deny (or allow, where the policy is marked fail-open)."""
        ...

    async def aevaluate(self, input: PolicyInput | Mapping[str, Any]) -> Decision: ...

    def query(self, path: str, input: Mapping[str, Any] | None = None) -> Any:
        """Evaluate any rule (e.g. `data.charter.approvals.can_approve`). Returns the JSON
        value, or None when undefined. Raises `PolicyEvaluationError` on engine errors."""
        ...

    def reload(self) -> None:
        """Swap in the current policy source atomically; on error keep the old set and raise
        `PolicyLoadError`."""
        ...

    def close(self) -> None: ...


def as_input_dict(input: PolicyInput | Mapping[str, Any]) -> dict[str, Any]:
    return input.to_dict() if isinstance(input, PolicyInput) else dict(input)


def stage_of(doc: Mapping[str, Any]) -> Stage:
    try:
        return Stage(doc.get("stage", "input"))
    except ValueError:
        return Stage.INPUT
