"""Holding a call for a human: the action an approval is bound to, submitting it, and what
the flow does once the wait ends (consume the approval for exactly that action, or refuse).
A resumed call checks that it can run between the two (`settled`, then `use`): a call that
cannot run must not use its approval up.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from charter._canonical import sha256_hex
from charter._score_scope import ANONYMOUS
from charter.decision import ApprovalSpec, Decision
from charter.errors import ApprovalPending, ApprovalRejected
from charter.pipeline import held_calls
from charter.pipeline.limits import json_view
from charter.pipeline.stages import CallRun
from charter.privacy import json_text


def approval_action(
    run: CallRun,
    policy_text: str,
    call: Mapping[str, Any] | None,
    tool_args: Mapping[str, Any] | None,
    real: Any,
) -> dict[str, Any]:
    """The canonical action an approval is bound to, in placeholder form, with a digest of
    the `real` values the placeholders stand for."""
    spec = run.spec
    action: dict[str, Any] = {
        "kind": "tool_call" if spec.kind == "tool" else "llm_call",
        "function": spec.function,
        "model": spec.model.model_dump(),
        "text": policy_text,
        "values": _values_digest(run, real),
    }
    if spec.kind == "tool":
        action["tool"] = {"name": spec.tool_name, "arguments": dict(tool_args or {})}
    if call is not None:
        action["call"] = call
    return action


def digestible(value: Any) -> Any:
    """`value` as the checks read it (`limits.json_view`: an object by its fields), for the
    values digest; a value with no such reading by its type name (the call is kept live and
    its fingerprint binds it)."""
    try:
        return json_view(value, finite=False)
    except Exception:  # Unreadable, or a model's own serialiser failing (found by review)
        return type(value).__name__


def holder_of(run: CallRun, bound: inspect.BoundArguments) -> Any:
    """A method's receiver as the values digest reads it (`digestible`), else None: under
    one approval key, the same call of another object (another client, another account) is
    another action, or it ran on the first one's approval (found by review)."""
    receiver = run.spec.receiver
    return None if receiver is None else digestible(bound.arguments.get(receiver))


def _values_digest(run: CallRun, real: Any) -> str:
    """What binds an approval to the values themselves: placeholders hide them, so a URL or
    a date the policy does not redact read `<URL_1>` for any value, and an approval reused
    under its `approval_key` ran for another one (found by probing). A hash, never the
    text, keyed (a small value space cannot be tried without the key: an unkeyed SHA-256
    gave a phone number back from 2,000 candidates, found by review): with the vault key
    when one is set, else the store's pseudonym key; SHA-256 only where there is neither
    (a PostgreSQL store without `vault_key`). Stable across processes, as a keyed re-run
    needs. A held request keeps the digest it was made with: resuming reads it back."""
    text = json_text(real)
    settings = run.parts.settings
    if settings.vault_key:
        keyed: str = run.parts.privacy.vault.digest(settings.tenant, "approval", text)
        return "hmac:" + keyed
    pseudonyms = run.parts.pseudonyms
    if pseudonyms.keyed:
        return "hmac:" + pseudonyms.hex("approval\0" + text)
    return "sha256:" + sha256_hex(text)


def submit_approval(run: CallRun, decision: Decision, action: Mapping[str, Any]) -> Any:
    """Queue the held call. A user id that looks like personal data is stored as a
    pseudonym under the queue's key, as telemetry and the decision log keep it
    (`requester_id`)."""
    from charter.approvals._identity import requester_id
    from charter.pseudonyms import queue_pseudonyms

    settings = run.parts.settings
    spec = decision.approval or ApprovalSpec()
    keyed = queue_pseudonyms(run.parts.queue, run.parts.pseudonyms)
    request = run.parts.queue.submit(
        spec=spec,
        action=action,
        requester=requester_id(run.ctx.user, keyed),
        tenant=settings.tenant,
        app=settings.app,
        rule=next(iter(spec.rules or decision.rules), ""),
        decision_id=decision.decision_id,
        key=run.ctx.approval_key,
        reuse_in=retry_scope(run.ctx.user, run.ctx.conversation, run.spec),
    )
    run.span.record_approval(request.id, request.state.value, 0.0)
    if run.spec.on_hold is not None:
        run.spec.on_hold(request.id)
    return request


def retry_scope(user: str, conversation: str | None, held_by: object) -> str | None:
    """Where a retry finds its pending request: its conversation ("" for none), made by the
    same guarded object (`held_by`, its spec: one per guarded function or tool), in this
    process. Two closures of one factory hold the same action under one name, and a shared
    request resumed the first closure for the second caller (another account refunded;
    found by review). None, so each call files its own, for an anonymous caller outside a
    conversation: nothing tells two such callers apart (found by review)."""
    if not conversation and user == ANONYMOUS:
        return None
    return f"{conversation or ''}\x1f{id(held_by):x}"


def after_wait(run: CallRun, request: Any, action: Mapping[str, Any], waited_ms: float) -> None:
    """Approved: consume the approval for exactly this action. Otherwise refuse."""
    settled(run, request, waited_ms)
    use(run, request, action)


def settled(run: CallRun, request: Any, waited_ms: float) -> None:
    """The wait is over: go on only when approved. Rejected or expired, the call will never
    run, and its live arguments are let go (`held_calls`)."""
    from charter.approvals import ApprovalState

    run.span.record_approval(request.id, request.state.value, waited_ms)
    if request.state is ApprovalState.PENDING:
        raise ApprovalPending(request.id)
    if request.state is not ApprovalState.APPROVED:
        held_calls.drop(request.id)
        raise ApprovalRejected(
            f"approval request {request.id} was {request.state.value}; the action did not run"
        )


def use(run: CallRun, request: Any, action: Mapping[str, Any]) -> None:
    """Consume the approval for exactly `action`, once; the call runs next."""
    from charter.approvals import action_hash

    settings = run.parts.settings
    scope = (settings.tenant, settings.app)  # another tenant's or app's approval is refused
    run.parts.queue.consume(request.id, action_hash(action), scope=scope)
    held_calls.drop(request.id)


def hold(
    run: CallRun,
    decision: Decision,
    action: Mapping[str, Any],
    bound: inspect.BoundArguments,
    prompt_param: str | None = None,
) -> Any:
    """Submit the approval request; a call the request could not store (no `call` in the
    action) is kept in this process, which alone can complete it (`held_calls`)."""
    request = submit_approval(run, decision, action)
    if "call" not in action:
        receiver = run.spec.receiver
        held_calls.keep(request.id, request.action_hash, bound, prompt_param, receiver)
    return request
