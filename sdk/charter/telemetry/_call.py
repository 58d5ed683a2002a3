"""One span per guarded call, one event on it per stage, and the metrics that go with them.

The flow drives a `CallSpan` (`record_decision`, `record_pii`, ...). Values are gathered in
a plain dict and set on the span in one `set_attributes` call when the call ends, because
every attribute write on an SDK span takes a lock. Stages (PII detection, each policy
evaluation, an approval wait) are span *events* named `charter.pii.redact`,
`charter.policy.evaluate`, `charter.approval.wait`, carrying that stage's own decision and
duration: a child span per stage would cost a context switch, two processor callbacks and
an export record each, for what an event says as well. Nothing here ever
puts prompt text, answer text, PII values or exception messages on a span, a metric or a
log line; the only text that can reach a span is *redacted* content, and only when the
application opted in with `record_content=True`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span
from opentelemetry.util.types import AttributeValue

from charter import semconv as sc
from charter._canonical import valid_text
from charter.decision import Action, Decision, Stage
from charter.errors import ApprovalPending, ApprovalRejected, PolicyViolation
from charter.telemetry._instruments import Instruments
from charter.telemetry._stage import (
    RESPONSE_SIGNAL_NAMES,
    SIGNAL_NAMES,
    CallShape,
    StageEvent,
    mark_error,
)

if TYPE_CHECKING:
    from charter.reports import ReviseRound

INSTRUMENTATION_NAME = "charter"
INSTRUMENTATION_VERSION = "0.1.0"
MAX_CONTENT_CHARS = 8192
"""Opted-in redacted content is cut to this length so one span cannot grow without bound."""

_OUTCOMES = (PolicyViolation, ApprovalPending, ApprovalRejected)
"""Exceptions that *are* the guard's answer (deny, held, rejected), not failures: the span
says what happened through `charter.decision.action`, so they do not set an error status."""


_ACTION_VALUE = {a: a.value for a in Action}
"""Enum values by member: a dict lookup, not the enum's `.value` descriptor (per call)."""
_STAGE_VALUE = {s: s.value for s in Stage}
_RANK = {a: a.rank for a in Action}


class PIICount(Protocol):
    """What `record_pii` needs from a summary (`charter.policy.input.PIISummary` fits)."""

    @property
    def type(self) -> str: ...

    @property
    def count(self) -> int: ...


class CallSpan:
    """The span of one guarded call. Use as a context manager; not shared across threads.

    `trace_id` / `span_id` (hex) tie the call to its decision-log records.
    """

    __slots__ = (
        "_action",
        "_attrs",
        "_call_ms",
        "_context",
        "_decision_id",
        "_instruments",
        "_pii",
        "_principles",
        "_record_content",
        "_response_signals",
        "_rules",
        "_shape",
        "_signals",
        "_span",
        "_stages",
        "_start_ns",
        "_token",
        "_tracer",
        "_user",
    )

    def __init__(
        self,
        tracer: trace.Tracer,
        instruments: Instruments,
        shape: CallShape,
        user: str,
        *,
        record_content: bool = False,
    ) -> None:
        self._tracer = tracer
        self._instruments = instruments
        self._record_content = record_content
        self._shape = shape
        self._user = user
        self._attrs: dict[str, AttributeValue] = {}
        self._stages: list[StageEvent] = []
        self._action: Action | None = None
        self._decision_id = ""
        self._rules: dict[str, None] = {}
        self._principles: dict[str, None] = {}
        self._pii: dict[str, int] = {}
        self._signals: dict[str, float] | None = None
        self._response_signals: dict[str, float] | None = None
        self._call_ms: float | None = None
        self._span: Span = trace.INVALID_SPAN
        self._context: otel_context.Context | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> CallSpan:
        shape = self._shape
        attributes = shape.attributes.copy()
        attributes[sc.USER] = self._user
        self._start_ns = time.perf_counter_ns()
        span = self._tracer.start_span(
            shape.name,
            kind=shape.kind,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        )
        self._span = span
        self._context = trace.set_span_in_context(span)
        self._token = otel_context.attach(self._context)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and not isinstance(exc, _OUTCOMES):
            self.record_error(exc)
        span = self._span
        elapsed_ms = (time.perf_counter_ns() - self._start_ns) / 1e6
        action = _ACTION_VALUE[self._action] if self._action is not None else ""
        if span.is_recording():
            attrs = self._attrs
            if self._action is not None:
                attrs[sc.ACTION] = action
                attrs[sc.DECISION_ID] = self._decision_id
            if self._rules:
                attrs[sc.RULES] = tuple(self._rules)
            if self._principles:
                attrs[sc.PRINCIPLES] = tuple(self._principles)
            for names, scores in (
                (SIGNAL_NAMES, self._signals),
                (RESPONSE_SIGNAL_NAMES, self._response_signals),
            ):
                if scores:
                    attrs.update({names[name]: score for name, score in scores.items()})
            if self._call_ms is not None:
                attrs[sc.CALL_MS] = self._call_ms
                attrs[sc.LATENCY_MS] = max(elapsed_ms - self._call_ms, 0.0)
            else:
                attrs[sc.LATENCY_MS] = elapsed_ms
            span.set_attributes(attrs)
        span.end()
        otel_context.detach(self._token)
        instruments = self._instruments
        instruments.call_duration.record(
            elapsed_ms,
            instruments.labels(
                sc.METRIC_ATTR_OPERATION,
                self._shape.metric_operation,
                sc.METRIC_ATTR_ACTION,
                action,
            ),
        )

    @contextlib.contextmanager
    def suspended(self) -> Iterator[None]:
        """While a stream's consumer holds a chunk: not its current span (nor the parent of
        its spans), and attach/detach pair in whatever context the stream ends in."""
        otel_context.detach(self._token)
        try:
            yield
        finally:
            self._token = otel_context.attach(self._context or otel_context.get_current())

    def stage(self, name: str) -> StageEvent:
        """One stage (`charter.policy.evaluate`, `charter.pii.redact`,
        `charter.approval.wait`, see `charter.semconv`), recorded as an event on the call
        span with its duration and, for a policy stage, its own decision."""
        return StageEvent(name, self._span, self._instruments, self._stages)

    @property
    def span(self) -> Span:
        return self._span

    @property
    def trace_id(self) -> str:
        ctx = self._span.get_span_context()
        return format(ctx.trace_id, "032x") if ctx.is_valid else ""

    @property
    def span_id(self) -> str:
        ctx = self._span.get_span_context()
        return format(ctx.span_id, "016x") if ctx.is_valid else ""

    # --- what happened --------------------------------------------------------------------

    def record_decision(self, decision: Decision) -> None:
        """One stage's decision. The call's action is the strictest seen so far; rule ids and
        principles accumulate. The open stage span, if any, gets this stage's own values."""
        action = decision.action
        if self._action is None or _RANK[action] > _RANK[self._action]:
            self._action = action
            self._decision_id = decision.decision_id
        action_value = _ACTION_VALUE[action]
        rules: tuple[str, ...] = ()
        if decision.violations:  # most decisions have none: skip building the tuples
            rules = decision.rules
            for rule in rules:
                self._rules[rule] = None
            for principle in decision.principles:
                self._principles[principle] = None
        if decision.policy_revision:
            self._attrs[sc.POLICY_REVISION] = decision.policy_revision
        stage = _STAGE_VALUE[decision.stage]
        if self._stages:
            stage_attrs = self._stages[-1].attributes
            stage_attrs[sc.STAGE_ACTION] = action_value
            stage_attrs[sc.STAGE] = stage
            stage_attrs[sc.DECISION_ID] = decision.decision_id
            if rules:
                stage_attrs[sc.RULES] = rules
        instruments = self._instruments
        instruments.decisions.add(
            1,
            instruments.labels(
                sc.METRIC_ATTR_ACTION,
                action_value,
                sc.METRIC_ATTR_STAGE,
                stage,
                sc.METRIC_ATTR_RULE,
                rules[0] if rules else "",
            ),
        )
        for rule in rules:
            instruments.rule_hits.add(
                1,
                instruments.labels(
                    sc.METRIC_ATTR_RULE,
                    rule,
                    sc.METRIC_ATTR_ACTION,
                    action_value,
                    sc.METRIC_ATTR_STAGE,
                    stage,
                ),
            )

    def record_pii(self, summaries: Sequence[PIICount]) -> None:
        """Entity types and counts, summed over stages. Never values."""
        if not summaries:
            return
        pii = self._pii
        instruments = self._instruments
        for summary in summaries:
            entity_type, count = summary.type, int(summary.count)
            pii[entity_type] = pii.get(entity_type, 0) + count
            instruments.redactions.add(
                count, instruments.labels(sc.METRIC_ATTR_ENTITY_TYPE, entity_type)
            )
        attrs = self._attrs
        attrs[sc.PII_TYPES] = tuple(sorted(pii))
        attrs[sc.PII_COUNT] = sum(pii.values())
        for entity_type, count in pii.items():
            attrs[sc.PII_COUNT_PREFIX + entity_type] = count

    def record_signals(self, scores: Mapping[str, float], *, response: bool = False) -> None:
        """Signal scores of one stage: of the request (prompt, tool arguments), or with
        `response` of what came back (answer, tool result). Each side keeps the highest
        score of each signal across its stages. Scores are plain floats, as
        `charter.signals.base.check_scores` returns them: they go onto the span as they are."""
        seen = self._response_signals if response else self._signals
        if seen is None:  # the first stage: one copy; named as attributes when the call ends
            if response:
                self._response_signals = dict(scores)
            else:
                self._signals = dict(scores)
            return
        for name, score in scores.items():
            if score > seen.get(name, -1.0):
                seen[name] = score

    def record_signals_revision(self, revisions: str) -> None:
        """Which versions of the signals scored this call (`name=revision,...`)."""
        self._attrs[sc.SIGNALS_REVISION] = revisions

    def record_withheld(self, turns: int) -> None:
        """How many earlier user turns, refused before, the model was not sent (a count)."""
        self._attrs[sc.WITHHELD_TURNS] = turns

    def record_approval(self, approval_id: str, state: str, wait_ms: float) -> None:
        attrs: dict[str, AttributeValue] = {
            sc.APPROVAL_ID: approval_id,
            sc.APPROVAL_STATE: state,
            sc.APPROVAL_WAIT_MS: float(wait_ms),
        }
        self._attrs.update(attrs)
        if self._stages:
            self._stages[-1].attributes.update(attrs)
        instruments = self._instruments
        instruments.approvals.add(1, instruments.labels(sc.METRIC_ATTR_STATE, state))

    def record_usage(
        self,
        input_tokens: int | None,
        output_tokens: int | None,
        finish_reasons: Sequence[str] = (),
        response_model: str | None = None,
    ) -> None:
        attrs = self._attrs
        if response_model:
            attrs[sc.GEN_AI_RESPONSE_MODEL] = valid_text(str(response_model))
        if input_tokens is not None:
            attrs[sc.GEN_AI_USAGE_INPUT_TOKENS] = int(input_tokens)
        if output_tokens is not None:
            attrs[sc.GEN_AI_USAGE_OUTPUT_TOKENS] = int(output_tokens)
        if finish_reasons:
            attrs[sc.GEN_AI_RESPONSE_FINISH_REASONS] = tuple(
                valid_text(str(r)) for r in finish_reasons
            )

    def record_call_duration(self, call_ms: float) -> None:
        """How long the wrapped model/tool call took, so the span can show Charter's own
        overhead (`charter.latency_ms`) separately from `charter.call_ms`."""
        self._call_ms = float(call_ms)

    def record_content(self, prompt_redacted: str | None, answer_redacted: str | None) -> None:
        """Put *redacted* prompt/answer text on the span — only when the application opted in
        with `record_content=True`; otherwise this does nothing."""
        if not self._record_content:
            return
        if prompt_redacted is not None:
            self._attrs[sc.PROMPT_REDACTED] = valid_text(prompt_redacted[:MAX_CONTENT_CHARS])
        if answer_redacted is not None:
            self._attrs[sc.ANSWER_REDACTED] = valid_text(answer_redacted[:MAX_CONTENT_CHARS])

    def record_revise_round(self, done: ReviseRound) -> None:
        """One revision round: an event `charter.revise` with the rules and principles it
        revised against, the verdict on the rewrite, the time it added and its tokens."""
        instruments = self._instruments
        instruments.revisions.add(1, instruments.labels(sc.METRIC_ATTR_ACTION, done.outcome.value))
        span = self._span
        if not span.is_recording():
            return
        attrs: dict[str, AttributeValue] = {
            sc.REVISE_ROUND: done.round,
            sc.REVISE_RULES: done.rules,
            sc.REVISE_PRINCIPLES: done.principles,
            sc.REVISE_VERDICT: done.outcome.value,
            sc.REVISE_LATENCY_MS: done.latency_ms,
        }
        if done.input_tokens is not None:
            attrs[sc.GEN_AI_USAGE_INPUT_TOKENS] = done.input_tokens
        if done.output_tokens is not None:
            attrs[sc.GEN_AI_USAGE_OUTPUT_TOKENS] = done.output_tokens
        span.add_event(sc.SPAN_REVISE, attrs)

    def record_revise(self, rounds: int, calls: int, *, refused: bool) -> None:
        """How revising ended: `rounds` extra model calls, `calls` in all; a refusal makes
        the call's action deny (the answer was withheld)."""
        attrs = self._attrs
        attrs[sc.REVISE_ROUNDS] = rounds
        attrs[sc.CALLS] = calls
        attrs[sc.REVISE_OUTCOME] = "refused" if refused else "revised"
        if refused:
            self._action = Action.DENY

    def record_error(self, exc: BaseException) -> None:
        """Mark the call failed with the error's class name. The message is never recorded:
        it may quote the prompt or a PII value."""
        mark_error(self._span, exc)
        self._attrs[sc.ERROR] = type(exc).__name__
