"""The steps of one guarded call (DESIGN.md, "The pipeline of one guarded call").

`Pipeline` holds no per-call state; each call gets a `CallState`. Sync and async callers
share every step except the call itself, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from charter.context import CallContext
from charter.decision import Action, ApprovalSpec, Decision, Stage
from charter.errors import ApprovalPending, ApprovalRejected, PolicyViolation
from charter.policy.input import ModelRef, PolicyInput, ToolRef, UserRef
from charter.privacy import Inspected
from charter.refusal import refusal_like, refusal_text
from charter.streaming import WindowResult, safe_cut
from charter.telemetry import safe_user

if TYPE_CHECKING:
    from charter.guard import Charter

Kind = Literal["llm", "tool"]


@dataclass(frozen=True)
class CallSpec:
    """What the decorator knows about the function it wraps."""

    kind: Kind
    function: str
    """`module:qualname`, the key `charter.resume(ticket)` finds the function by."""
    model: ModelRef = field(default_factory=ModelRef)
    tool_name: str | None = None
    on_deny: Literal["raise", "refuse"] | None = None


@dataclass
class CallState:
    spec: CallSpec
    ctx: CallContext
    span: Any
    inspected: Inspected | None = None
    restore_types: tuple[str, ...] = ()
    prompt: Any = None
    """The prompt argument as the caller passed it (shapes refusals and answers)."""
    prompt_redacted: str | None = None
    """What left for the model; on spans only when `record_content` is opted in."""


class Refused(Exception):
    """Internal: carries the value to return instead of raising (on_deny="refuse")."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Pipeline:
    def __init__(self, charter: Charter) -> None:
        self.charter = charter

    # --- policy input ----------------------------------------------------------------------

    def evaluate(
        self,
        state: CallState,
        stage: Stage,
        texts: Sequence[str],
        *,
        tool_args: Mapping[str, Any] | None = None,
        scope: str | None = None,
    ) -> tuple[Decision, Inspected, dict[str, Any]]:
        """PII -> signals -> policy for one stage; records the decision."""
        c = self.charter
        if c.privacy.mode == "off":
            inspected = c.privacy.inspect(texts, scope=scope)
        else:
            with state.span.stage("charter.pii.redact"):
                inspected = c.privacy.inspect(texts, scope=scope)
        signals = c.signals.score(inspected.policy_text) if c.signals is not None else {}
        tool = None
        if state.spec.kind == "tool":
            tool = ToolRef(name=state.spec.tool_name or "", arguments=dict(tool_args or {}))
        doc = PolicyInput(
            stage=stage,
            app=c.settings.app,
            tenant=c.settings.tenant,
            environment=c.settings.environment,
            user=UserRef(id=safe_user(state.ctx.user), roles=state.ctx.roles),
            model=state.spec.model,
            text=inspected.policy_text,
            pii=inspected.summaries,
            signals=signals,
            tool=tool,
            metadata=state.ctx.metadata,
        ).to_dict()
        with state.span.stage("charter.policy.evaluate"):
            decision = c.engine.evaluate(doc)
            state.span.record_decision(decision)
        state.span.record_pii(inspected.summaries)
        state.span.record_signals(signals)
        self.record(state, decision, doc)
        return decision, inspected, doc

    def record(self, state: CallState, decision: Decision, doc: Mapping[str, Any]) -> None:
        audit = self.charter.audit
        if audit is not None:
            audit.record(
                decision,
                doc,
                trace_id=state.span.trace_id,
                span_id=state.span.span_id,
                labels={
                    "app": self.charter.settings.app,
                    "tenant": self.charter.settings.tenant,
                    "environment": self.charter.settings.environment,
                    "stage": decision.stage.value,
                },
            )

    # --- enforcement -------------------------------------------------------------------------

    def deny(
        self, state: CallState, decision: Decision, *, answer: Any = None, prompt: Any = None
    ) -> Refused:
        """Raise `PolicyViolation`, or return `Refused` for the caller to raise/return."""
        on_deny = state.spec.on_deny or self.charter.settings.on_deny
        if on_deny == "raise":
            raise PolicyViolation(decision)
        if state.spec.kind == "tool":
            return Refused(refusal_text(decision))
        return Refused(refusal_like(decision, answer=answer, prompt=prompt))

    def action(
        self,
        state: CallState,
        policy_texts: Sequence[str],
        call: Mapping[str, Any] | None,
        tool_args: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """The canonical action an approval is bound to, in placeholder form."""
        action: dict[str, Any] = {
            "kind": "tool_call" if state.spec.kind == "tool" else "llm_call",
            "function": state.spec.function,
            "model": state.spec.model.model_dump(),
            "text": "\n".join(policy_texts),
        }
        if state.spec.kind == "tool":
            action["tool"] = {"name": state.spec.tool_name, "arguments": dict(tool_args or {})}
        if call is not None:
            action["call"] = call
        return action

    def submit_approval(
        self, state: CallState, decision: Decision, action: Mapping[str, Any]
    ) -> Any:
        queue = self.charter.queue
        request = queue.submit(
            spec=decision.approval or ApprovalSpec(),
            action=action,
            requester=state.ctx.user,
            tenant=self.charter.settings.tenant,
            app=self.charter.settings.app,
            rule=decision.rules[0] if decision.rules else "",
            decision_id=decision.decision_id,
        )
        state.span.record_approval(request.id, request.state.value, 0.0)
        return request

    def after_wait(
        self, state: CallState, request: Any, action: Mapping[str, Any], waited_ms: float
    ) -> None:
        """Approved: consume the approval for exactly this action. Otherwise refuse."""
        state.span.record_approval(request.id, request.state.value, waited_ms)
        if request.state.value == "pending":
            raise ApprovalPending(request.id)
        if request.state.value != "approved":
            raise ApprovalRejected(
                f"approval request {request.id} was {request.state.value}; the action did not run"
            )
        from charter.approvals import action_hash

        self.charter.queue.consume(request.id, action_hash(action))

    # --- output ------------------------------------------------------------------------------

    def finish_answer(self, state: CallState, answer: Any, *, prompt: Any) -> Any:
        """Output stage on a complete answer: deny, redact new PII, restore placeholders."""
        from charter.adapters import adapter_for

        adapter = adapter_for(answer)
        texts = adapter.texts(answer) if adapter is not None else [str(answer)]
        stage = Stage.TOOL_RESULT if state.spec.kind == "tool" else Stage.OUTPUT
        decision, inspected, _ = self.evaluate(
            state, stage, texts, scope=state.inspected.scope if state.inspected else None
        )
        if decision.action is Action.DENY:
            raise self.deny(state, decision, answer=answer if adapter else None, prompt=prompt)
        if decision.action is Action.REQUIRE_APPROVAL:
            # An answer cannot wait for a human mid-call: withhold it, explainably.
            raise self.deny(state, decision, answer=answer if adapter else None, prompt=prompt)
        out_texts = self.charter.privacy.apply(inspected, decision.redact)
        state.span.record_content(state.prompt_redacted, "\n".join(out_texts))
        allowed = _restore_types(decision) or state.restore_types
        if state.inspected is not None:
            out_texts = [
                self.charter.privacy.restore(t, state.inspected, allowed) for t in out_texts
            ]
        if adapter is None:
            return answer if out_texts == texts else out_texts[0]
        return adapter.replace(answer, out_texts) if out_texts != texts else answer

    def window_check(self, state: CallState, context: str, held: str, final: bool) -> WindowResult:
        """One streaming window: evaluate context+held, release a safe prefix of held."""
        privacy = self.charter.privacy
        scope = state.inspected.scope if state.inspected else None
        decision, inspected, _ = self.evaluate(state, Stage.OUTPUT, [context + held], scope=scope)
        if not decision.allowed:
            return WindowResult(decision, "", 0)
        cut = len(held)
        if not final:
            spans = [(f.start - len(context), f.end - len(context)) for f in inspected.findings[0]]
            cut = safe_cut(held, len(held) - self.charter.stream_window, spans)
        # Redact findings inside the released part only.
        part = Inspected(
            texts=[held[:cut]],
            findings=[
                [
                    _shift(f, -len(context))
                    for f in inspected.findings[0]
                    if f.start >= len(context) and f.end - len(context) <= cut
                ]
            ],
            summaries=(),
            policy_texts=[],
            scope=inspected.scope,
        )
        released = privacy.apply(part, decision.redact)[0]
        allowed = _restore_types(decision) or state.restore_types
        if state.inspected is not None:
            released = privacy.restore(released, state.inspected, allowed)
        return WindowResult(decision, released, cut)


def _restore_types(decision: Decision) -> tuple[str, ...]:
    value = decision.obligations.get("restore_pii") if decision.obligations else None
    return tuple(value) if isinstance(value, list | tuple) else ()


def _shift(finding: Any, delta: int) -> Any:
    from dataclasses import replace

    return replace(finding, start=finding.start + delta, end=finding.end + delta)
