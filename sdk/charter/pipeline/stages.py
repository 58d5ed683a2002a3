"""The steps of one guarded call (DESIGN.md, "The pipeline of one guarded call"), on one
`CallRun`: what the call has learned so far (its context, span, the input's findings) and
the operations every mode shares. The flow (`charter.pipeline.flow`) orders them.

Each stage detects PII once: the findings feed the policy input, redaction, approvals and log.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from charter._canonical import valid_text
from charter.adapters import Usage, usage_of
from charter.context import CallContext
from charter.decision import Action, Decision, Stage
from charter.errors import LimitExceeded, PolicyViolation
from charter.pii.url_spans import UrlScan
from charter.pipeline.answer_reading import UnreadAnswer, read_answer
from charter.pipeline.checked import Checked
from charter.pipeline.limits import Overrun, Unreadable, json_view, measure, too_many_scored
from charter.pipeline.parts import CallSpec, Parts, caller_scores, output_parts, signal_revisions
from charter.pipeline.verdicts import over_limit, restore_notes, unreadable
from charter.policy.input import policy_document, policy_view
from charter.privacy import Inspected, InspectedJson
from charter.refusal import refusal_like, refusal_text
from charter.reports import CallReport, ReviseRound
from charter.tool_calls import argument_texts, replace_answer, tool_names
from charter.values import PIISummary


class Refused(Exception):
    """Internal: carries the value to return instead of raising (on_deny="refuse")."""

    def __init__(self, value: Any, decision: Decision) -> None:
        self.value = value
        self.decision = decision


@dataclass
class CallRun:
    """One guarded call in progress."""

    parts: Parts
    spec: CallSpec
    ctx: CallContext
    span: Any
    scope: Any = None
    inspected: Inspected | None = None
    """The input stage's findings; placeholders in the answer are restored from its scope."""
    fresh: list[str] = field(default_factory=list)  # placeholders its checks issued new
    restore_types: tuple[str, ...] = ()
    prompt: Any = None
    """The prompt argument as the caller passed it (shapes refusals and answers)."""
    prompt_redacted: str | None = None
    """The prompt with a placeholder for every value found (as the decision log keeps it),
    not as sent; on spans only when `record_content` is opted in."""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    """What the prompt attaches (`charter.attachments`), as the input stage's policy reads it."""
    labels: dict[str, str] = field(default_factory=dict)
    noted_restores: set[str] = field(default_factory=set)
    """What restoring refused and recorded in this call (cross-principal, inside a URL)."""
    streamed: list[str] = field(default_factory=list)
    """A streamed answer's text checked so far (released or about to be), as the model
    wrote it: the end of the stream is checked on the whole answer."""
    record_labels: dict[str, str] = field(default_factory=dict)
    """Added to the labels of the decision records that follow (a revision round's)."""
    calls: int = 0
    """Times the wrapped function ran (the answer and each revision)."""
    rounds: list[ReviseRound] = field(default_factory=list)
    refused_after_revision: bool = False
    tokens: Usage = field(default_factory=Usage)
    """The tokens of every call of the wrapped function so far."""
    call_ms: float = 0.0
    last_usage: Usage = field(default_factory=Usage)

    def __post_init__(self) -> None:
        privacy = self.parts.privacy
        if self.scope is None and privacy.enabled:  # no PII, no placeholders to scope
            self.scope = privacy.scope(self.ctx.conversation, subject=self.ctx.user)
        s = self.parts.settings
        self.labels = {"app": s.app, "tenant": s.tenant, "environment": s.environment}

    @property
    def on_deny(self) -> str:
        return self.spec.on_deny or self.parts.settings.on_deny

    # --- policy --------------------------------------------------------------------------

    def evaluate(
        self,
        stage: Stage,
        inspection: Inspected | InspectedJson,
        *,
        tool_args: Mapping[str, Any] | None = None,
        answer: str | None = None,
        scored: Sequence[str] | None = None,
        calls: Sequence[str] = (),
        items: Sequence[str] = (),
    ) -> Decision:
        """Signals -> policy for one stage on already-inspected text; records the decision.
        `answer`: the model's (raw) answer text at the output stage, scored against the
        passages a RAG call retrieved (`charter.context(retrieved=...)`), if any.
        `scored`: the texts the signals score one by one (`charter.adapters.scored_texts`);
        None scores the whole inspected text as one. `calls`: the names of the tool calls an
        answer proposes (`input.tool_calls`). `items`: texts read by the scores the signals
        settle cheaply (`best_scores`)."""
        decision, doc, scores = self.decide(
            stage, inspection, tool_args, answer, scored, calls, items=items
        )
        self.record(decision, doc, inspection.summaries, scores)
        return decision

    def decide(
        self,
        stage: Stage,
        inspection: Inspected | InspectedJson,
        tool_args: Mapping[str, Any] | None,
        answer: str | None = None,
        scored: Sequence[str] | None = None,
        calls: Sequence[str] = (),
        refusal: bool | None = None,
        items: Sequence[str] = (),
    ) -> tuple[Decision, dict[str, Any], dict[str, float]]:
        """Signals -> policy, not recorded yet: the decision, its input and the scores.
        `refusal`: a streamed answer's own reading (`WindowChecks`) over the window's."""
        parts, span = self.parts, self.span
        # Valid Unicode for the signals and the policy (a lone surrogate becomes U+FFFD).
        text = valid_text(inspection.policy_text)
        texts = [*map(valid_text, [inspection.signal_text] if scored is None else scored)]
        what = "the prompt" if stage is Stage.INPUT else "the answer"
        if parts.signals and (overrun := too_many_scored(what, len(texts), parts.settings)):
            self.refuse_over(overrun, stage)
        scores = caller_scores(parts, self.ctx, texts, refusal, [*map(valid_text, items)])
        grounding = self._grounding(stage, answer)
        attached = self.attachments if stage is Stage.INPUT else ()
        # A prompt's user's own words, read by the scope and special-category rules.
        own = "\n".join(texts) if scored is not None and stage is Stage.INPUT else None
        summaries = inspection.summaries
        doc = self._document(
            stage, text, summaries, scores, tool_args, grounding, calls, attached, user_text=own
        )
        with span.stage("charter.policy.evaluate"):
            decision = parts.engine.evaluate(policy_view(doc))
            if decision.action is Action.REVISE and stage is not Stage.OUTPUT:
                # Only the model's answer can be rewritten: fail closed (the shipped
                # main.rego does the same; this covers any engine and bundle).
                decision = decision.as_deny("only the model's answer can be revised")
            span.record_decision(decision)
        return decision, doc, scores

    def _document(
        self,
        stage: Stage,
        text: str,
        summaries: tuple[PIISummary, ...],
        scores: dict[str, float],
        tool_args: Mapping[str, Any] | None,
        grounding: dict[str, Any] | None = None,
        calls: Sequence[str] = (),
        attachments: Sequence[Mapping[str, Any]] = (),
        *,
        metadata: bool = True,
        user_text: str | None = None,
    ) -> dict[str, Any]:
        is_tool = self.spec.kind == "tool"
        tool = (self.spec.tool_name or "", dict(tool_args or {})) if is_tool else None
        settings = self.parts.settings
        return policy_document(
            stage=stage,
            app=settings.app,
            tenant=settings.tenant,
            environment=settings.environment,
            user=self.parts.pseudonyms.user(self.ctx.user),
            roles=self.ctx.roles,
            model=self.spec.model,
            text=text,
            pii=summaries,
            signals=scores,
            tool=tool,
            metadata=self.ctx.policy_metadata if metadata else {},
            grounding=grounding,
            tool_calls=calls,
            attachments=attachments,
            user_text=user_text,
        )

    def bounded(
        self, stage: Stage, what: str, value: Any, texts: Sequence[str] = (), **seen: Any
    ) -> None:
        """Deny (recorded, fail closed) when `value`/`texts` cross a size or depth limit,
        before anything walks them (`pipeline.limits.measure`; `seen`: its `chars` already
        seen and `credited` texts)."""
        overrun = measure(what, value, self.parts.settings, texts=texts, **seen)
        if overrun is not None:
            self.refuse_over(overrun, stage)

    def refuse_over(self, overrun: Overrun, stage: Stage) -> NoReturn:
        """Deny unchecked what crossed a limit, with `LimitExceeded` naming the setting."""
        decision = over_limit(overrun, stage, self.parts.engine.revision)
        error = LimitExceeded(
            decision,
            overrun.message,
            setting=overrun.setting,
            limit=overrun.limit,
            found=overrun.found,
        )
        self.refuse_unchecked(decision, error)

    def viewed(self, stage: Stage, what: str, value: Any, *, finite: bool) -> Any:
        """Tool data as the JSON the checks read (`limits.json_view`), within the limits;
        what has no JSON view is denied unchecked, as data over a limit is."""
        self.bounded(stage, what, value)
        try:
            view = json_view(value, finite=finite)
        except Unreadable as exc:
            decision = unreadable(f"{what}: {exc}", stage, self.parts.engine.revision)
            self.refuse_unchecked(decision, PolicyViolation(decision))
        self.bounded(stage, what, view)  # objects expanded into their fields, measured again
        return view

    def refuse_unchecked(self, decision: Decision, error: PolicyViolation) -> NoReturn:
        """Record and enforce a deny the guard made without the policy. The record holds
        none of the data refused (nor the context metadata)."""
        self.span.record_decision(decision)
        doc = self._document(decision.stage, "", (), {}, None, metadata=False)
        self.record(decision, doc, (), {})
        raise self.deny(decision, error=error)

    def _grounding(self, stage: Stage, answer: str | None) -> dict[str, Any] | None:
        """`input.grounding` for an answer of a RAG call: the support score, never the
        passages (they reach neither the policy, the log nor telemetry)."""
        passages = self.ctx.retrieved
        if stage is not Stage.OUTPUT or not passages or answer is None:
            return None
        with self.span.stage("charter.grounding"):
            return self.parts.grounding.score(answer, passages).policy_input()

    def record(
        self,
        decision: Decision,
        doc: Mapping[str, Any],
        summaries: Sequence[PIISummary],
        scores: Mapping[str, float],
    ) -> None:
        span = self.span
        span.record_pii(summaries)
        span.record_signals(scores, response=decision.stage.is_response)
        revisions = signal_revisions(self.parts.signals)
        if revisions:
            span.record_signals_revision(revisions)
        audit = self.parts.audit
        if audit is not None:
            labels = {**self.labels, **self.record_labels, "stage": decision.stage.value}
            if revisions:
                labels["signals_revision"] = revisions
            audit.record(decision, doc, trace_id=span.trace_id, span_id=span.span_id, labels=labels)

    def inspect(self, texts: Sequence[str], *, answer: bool = False) -> Inspected:
        """`answer`: the model's texts (the output stage), whose placeholders are issued
        withheld (`Scope.withheld_view`): a value the model produced is never restored, in
        this answer, a revision or a later turn; the caller's own (sent this call, in any
        spelling) still are."""
        privacy = self.parts.privacy
        if not privacy.enabled:
            return privacy.inspect(texts, scope=self.scope)
        said = self.inspected.texts if answer and self.inspected is not None else ()
        scope = self.scope.withheld_view("\n".join(said)) if answer else self.scope
        with self.span.stage("charter.pii.redact"):
            return privacy.inspect(texts, scope=scope, fresh=self.fresh)

    def inspect_json(self, value: Any) -> InspectedJson:
        privacy = self.parts.privacy
        if not privacy.enabled:
            return privacy.inspect_json(value, scope=self.scope)
        with self.span.stage("charter.pii.redact"):
            return privacy.inspect_json(value, scope=self.scope, fresh=self.fresh)

    # --- enforcement ---------------------------------------------------------------------

    def deny(
        self, decision: Decision, *, answer: Any = None, error: PolicyViolation | None = None
    ) -> Refused:
        """Raise `PolicyViolation` (or `error`), or return `Refused` for the caller to
        raise/return."""
        if self.on_deny == "raise":
            raise error or PolicyViolation(decision)
        if self.spec.kind == "tool":
            return Refused(refusal_text(decision), decision)
        provider = self.spec.model.provider
        refusal = refusal_like(decision, answer=answer, prompt=self.prompt, provider=provider)
        return Refused(refusal, decision)

    # --- output --------------------------------------------------------------------------

    def restore_allowed(self, decision: Decision) -> tuple[str, ...]:
        """The entity types this decision lets the answer restore, else the input stage's."""
        return decision.restore_types or self.restore_types

    def check_answer(self, answer: Any) -> Checked:
        """Output stage on a complete answer: inspect and evaluate, release nothing yet."""
        try:
            read = read_answer(answer)
        except UnreadAnswer as exc:  # denied unchecked, recorded, shaped from the prompt
            decision = unreadable(str(exc), Stage.OUTPUT, self.parts.engine.revision)
            self.refuse_unchecked(decision, PolicyViolation(decision))
        texts, thought, arguments = read.texts, read.thought, read.arguments
        names = tool_names(answer) if arguments else ()
        own, reasoning = len(texts), len(thought)
        texts, inspected, decision = self.check_output(texts + thought, arguments, names, own)
        return Checked(answer, read.adapter, texts, inspected, decision, arguments, own, reasoning)

    def check_output(
        self, texts: list[str], arguments: Sequence[Any], names: Sequence[str], own: int = 1
    ) -> tuple[list[str], Inspected, Decision]:
        """The output stage on texts (`own`, then reasoning) and calls, whole or streamed."""
        self.bounded(Stage.OUTPUT, "the answer", arguments or None, texts)
        texts = [*texts, *argument_texts(arguments)]
        inspected = self.inspect(texts, answer=True)
        scored, answer = output_parts(inspected.policy_texts, own, arguments), "\n".join(texts)
        decision = self.evaluate(Stage.OUTPUT, inspected, answer=answer, scored=scored, calls=names)
        return texts, inspected, decision

    def release_answer(self, checked: Checked) -> Any:
        """Enforce the output decision: deny (a hold or an unrevised revise too), or redact
        new PII and restore placeholders."""
        decision, answer, adapter = checked.decision, checked.answer, checked.adapter
        if not decision.allowed:
            # An answer cannot wait for a human mid-call: withhold it, explainably.
            if decision.action is Action.REVISE:
                decision = decision.as_deny("it could not be revised")
            raise self.deny(decision, answer=answer if adapter else None)
        privacy = self.parts.privacy
        texts = checked.texts
        out_texts = privacy.apply(checked.inspected, decision.redact)
        self.span.record_content(self.prompt_redacted, checked.inspected.policy_text)
        out_texts = self.restored(out_texts, decision, keep=checked.thought)
        if adapter is None:
            return answer if out_texts == texts else out_texts[0]
        if out_texts == texts:
            return answer
        return replace_answer(adapter, answer, out_texts, checked.arguments, checked.thought)

    def model_waited(self, call_ms: float) -> None:
        """Time spent in the wrapped function (a call, a stream's chunk), returned or
        raised: the span shows the total over the answer and its revisions."""
        self.call_ms += call_ms
        self.span.record_call_duration(self.call_ms)

    def model_returned(self, result: Any) -> Usage:
        """One call of the wrapped function returned: add its tokens to the call's."""
        usage = self.last_usage = usage_of(result)
        self.tokens = self.tokens.tokens_plus(usage)
        self.span.record_usage(
            self.tokens.input_tokens,
            self.tokens.output_tokens,
            usage.finish_reasons,
            usage.response_model,
        )
        return usage

    def redacted(self, text: str, decision: Decision) -> str:
        """`text` (from the model) with `decision`'s redactions applied, to send it back."""
        if not text:
            return ""
        return self.parts.privacy.apply(self.inspect([text], answer=True), decision.redact)[0]

    def report(self) -> CallReport:
        return CallReport(
            function=self.spec.function,
            calls=self.calls,
            revisions=tuple(self.rounds),
            refused_after_revision=self.refused_after_revision,
        )

    def restored(
        self, texts: list[str], decision: Decision, keep: Container[int] = ()
    ) -> list[str]:
        """`texts` with this caller's placeholders restored, except those at `keep`: the
        model's reasoning stays as it thought it, with the placeholders it was shown (a
        restored Anthropic `thinking` block no longer matches its signature, and the next
        turn would send the restored values back to the model)."""
        if self.inspected is None:
            return texts
        allowed = self.restore_allowed(decision)
        return [t if i in keep else self.restore(t, allowed) for i, t in enumerate(texts)]

    def restore(self, text: str, allowed: tuple[str, ...], urls: UrlScan | None = None) -> str:
        """Placeholders of this caller's scope back to values (the types the policy lets
        back). Those another user of the same conversation holds, and any inside a URL, stay
        as they are, each recorded once per call (`charter.pipeline.verdicts`). `urls`: a
        stream's scan, which its slices go through in order."""
        assert self.inspected is not None
        result = self.parts.privacy.restore(text, self.inspected, allowed, urls)
        for decision in restore_notes(result, self.noted_restores, self.parts.engine.revision):
            self.span.record_decision(decision)
            self.record(decision, self._document(Stage.OUTPUT, "", (), {}, None), (), {})
        return result.text
