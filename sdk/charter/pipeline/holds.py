"""Holding a call for a human: the action an approval is bound to, submitting it, and what
the flow does once the wait ends (consume the approval for exactly that action, or refuse).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from charter.decision import ApprovalSpec, Decision
from charter.errors import ApprovalPending, ApprovalRejected
from charter.pipeline.stages import CallRun


def approval_action(
    run: CallRun,
    policy_text: str,
    call: Mapping[str, Any] | None,
    tool_args: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The canonical action an approval is bound to, in placeholder form."""
    spec = run.spec
    action: dict[str, Any] = {
        "kind": "tool_call" if spec.kind == "tool" else "llm_call",
        "function": spec.function,
        "model": spec.model.model_dump(),
        "text": policy_text,
    }
    if spec.kind == "tool":
        action["tool"] = {"name": spec.tool_name, "arguments": dict(tool_args or {})}
    if call is not None:
        action["call"] = call
    return action


def submit_approval(run: CallRun, decision: Decision, action: Mapping[str, Any]) -> Any:
    settings = run.parts.settings
    request = run.parts.queue.submit(
        spec=decision.approval or ApprovalSpec(),
        action=action,
        requester=run.ctx.user,
        tenant=settings.tenant,
        app=settings.app,
        rule=decision.rules[0] if decision.rules else "",
        decision_id=decision.decision_id,
        key=run.ctx.approval_key,
    )
    run.span.record_approval(request.id, request.state.value, 0.0)
    return request


def after_wait(run: CallRun, request: Any, action: Mapping[str, Any], waited_ms: float) -> None:
    """Approved: consume the approval for exactly this action. Otherwise refuse."""
    from charter.approvals import ApprovalState, action_hash

    run.span.record_approval(request.id, request.state.value, waited_ms)
    if request.state is ApprovalState.PENDING:
        raise ApprovalPending(request.id)
    if request.state is not ApprovalState.APPROVED:
        raise ApprovalRejected(
            f"approval request {request.id} was {request.state.value}; the action did not run"
        )
    run.parts.queue.consume(request.id, action_hash(action))
