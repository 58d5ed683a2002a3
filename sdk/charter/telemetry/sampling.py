"""Head sampling of allowed calls that never loses a deny, redact or approval.

Whether a call is allowed is only known when its span ends, so a sampler (which decides
when a span starts) cannot do this. Instead every call span is recorded and this span
processor sits in front of the exporting processor:

* A deterministic share `allow_rate` of traces (the same trace-id test as OpenTelemetry's
  `TraceIdRatioBased`, so it composes with downstream samplers) is forwarded whole; its
  call spans carry `charter.sampling.allow_rate`, so the console counts an allowed one as
  1/rate calls and its rates and drift read the traffic, not the kept mix.
* For the other traces, the spans of a guarded call (the call span and everything below
  it: stage spans, the model client's spans, nested tool calls) are held until the call
  span ends. If any Charter call span in the group decided something other than `allow`,
  has no decision at all, or ended with an error status, the whole group is forwarded;
  otherwise it is dropped and counted in `dropped_calls`.
* Spans that do not belong to a guarded call pass straight through.

Memory is bounded: past `max_pending_calls` open groups or `max_spans_per_call` held spans
a group is kept rather than held (never drops what it cannot judge), counted in `overflow`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.sampling import TraceIdRatioBased
from opentelemetry.trace import StatusCode

from charter import semconv as sc
from charter.decision import Action
from charter.errors import ConfigurationError

_TRACE_ID_LOW_BITS = TraceIdRatioBased.TRACE_ID_LIMIT
_TRACKED_SPANS_PER_CALL = 64
"""Average spans per held call budgeted for the span-id index (bounds leaked open spans)."""


def is_call_span(span: ReadableSpan) -> bool:
    """A guarded call's span carries the application attribute from its start."""
    attributes = span.attributes
    return attributes is not None and sc.APP in attributes


@dataclass
class _CallSpans:
    """One guarded call's spans, held until its call span ends; then forwarded or dropped
    together."""

    keep: bool = False
    root_ended: bool = False
    held: list[ReadableSpan] = field(default_factory=list)


class DecisionSamplingProcessor(SpanProcessor):
    """Forward all non-allow calls and a trace-id-ratio share of allowed ones to `delegate`."""

    def __init__(
        self,
        delegate: SpanProcessor,
        *,
        allow_rate: float,
        max_pending_calls: int = 4096,
        max_spans_per_call: int = 256,
    ) -> None:
        if not 0.0 <= allow_rate <= 1.0:
            raise ConfigurationError(
                f"allow_rate must be between 0.0 and 1.0 (got {allow_rate}); "
                "it is the share of allowed calls to keep"
            )
        self._delegate = delegate
        self._rate = allow_rate
        self._bound = TraceIdRatioBased.get_bound_for_rate(allow_rate)
        self._max_pending = max_pending_calls
        self._max_held = max_spans_per_call
        self._max_tracked = max_pending_calls * _TRACKED_SPANS_PER_CALL
        self._lock = threading.Lock()
        self._groups: dict[int, _CallSpans] = {}  # span id -> group of the call it belongs to
        self._roots: dict[int, _CallSpans] = {}  # call span id -> its group
        self.dropped_calls = 0
        self.dropped_spans = 0
        self.overflow = 0

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self._delegate.on_start(span, parent_context=parent_context)
        if self._rate >= 1.0:
            return
        span_id = span.context.span_id
        parent = span.parent
        in_share = (span.context.trace_id & _TRACE_ID_LOW_BITS) < self._bound
        if in_share and is_call_span(span):
            # Its allowed calls are the ones kept of many: the console weighs them by it.
            span.set_attribute(sc.SAMPLED_ALLOW_RATE, self._rate)
        with self._lock:
            group = self._groups.get(parent.span_id) if parent is not None else None
            if group is not None:
                if len(self._groups) < self._max_tracked:
                    self._groups[span_id] = group
                else:
                    self.overflow += 1  # untracked: forwarded on its own when it ends
                return
            if not is_call_span(span):
                return
            if in_share:
                return  # forwarded as it ends
            if len(self._roots) >= self._max_pending:
                self.overflow += 1
                return
            group = _CallSpans()
            self._groups[span_id] = group
            self._roots[span_id] = group

    def on_end(self, span: ReadableSpan) -> None:
        if self._rate >= 1.0:
            self._delegate.on_end(span)
            return
        span_id = span.context.span_id if span.context is not None else 0
        forward: list[ReadableSpan] = []
        with self._lock:
            group = self._groups.pop(span_id, None)
            if group is None or group.keep:
                forward.append(span)
            elif is_call_span(span) and _must_keep(span):
                group.keep = True
                forward.extend(group.held)
                forward.append(span)
                group.held.clear()
            elif span_id in self._roots or group.root_ended:
                if not group.root_ended:
                    self.dropped_calls += 1
                self.dropped_spans += 1 + len(group.held)
                group.held.clear()
            elif len(group.held) >= self._max_held:
                self.overflow += 1
                group.keep = True
                forward.extend(group.held)
                forward.append(span)
                group.held.clear()
            else:
                group.held.append(span)
            if span_id in self._roots:
                self._roots.pop(span_id).root_ended = True
        for item in forward:
            self._delegate.on_end(item)

    def shutdown(self) -> None:
        self._delegate.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._delegate.force_flush(timeout_millis)


def _must_keep(span: ReadableSpan) -> bool:
    attributes = span.attributes or {}
    if attributes.get(sc.ACTION) != Action.ALLOW.value:
        return True  # deny, redact, require_approval, or no decision at all (fail closed)
    return span.status.status_code is StatusCode.ERROR
