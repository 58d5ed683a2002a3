"""Which spans the console keeps: every deny, approval, revision and probe run, a fixed share
of the rest.

Denials, approvals, revised answers and probe runs are rare and are what operators and
auditors look for, so they are never sampled out. Everything else is kept when its trace id
falls under the rate (the same rule as OpenTelemetry's `TraceIdRatioBased`), so a trace is
kept or dropped whole and two receivers make the same choice. Kept spans carry
`weight = 1 / rate` so rates shown on the Live screen estimate the real traffic (or the
sender's 1 / rate when the SDK already kept fewer, `records.sender_weight`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from charter import ConfigurationError, semconv
from monitor_tui.ingest.records import SpanRecord

_ALWAYS_KEEP_ACTIONS = frozenset({"deny", "require_approval", "revise"})
_ID_SPACE = 1 << 64


def must_keep(record: SpanRecord) -> bool:
    """A deny, approval, revised-answer or probe-run span: never sampled out. An action
    that is not text (the decoder rejects it; a record may come from elsewhere) is no
    action: a list in a set lookup would raise and lose the whole request."""
    attrs = record.attributes
    action = attrs.get(semconv.ACTION)
    return (
        (isinstance(action, str) and action in _ALWAYS_KEEP_ACTIONS)
        or semconv.APPROVAL_ID in attrs
        or semconv.APPROVAL_STATE in attrs
        or record.name in (semconv.SPAN_APPROVAL, semconv.SPAN_PROBE, semconv.SPAN_PROBE_SUITE)
    )


class Sampler:
    def __init__(self, rate: float = 1.0) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ConfigurationError(
                f"sample rate {rate} is out of range; use a share between 0.0 and 1.0"
            )
        self.rate = rate
        self._bound = int(rate * _ID_SPACE)
        self._weight = 1.0 / rate if rate > 0 else 1.0

    def select(self, records: Sequence[SpanRecord]) -> list[SpanRecord]:
        """The records to keep, with their weights set. Spans of a trace that has a deny or
        approval span in the same batch are kept too, so its detail view is complete."""
        if self.rate >= 1.0:
            return list(records)
        pinned = {r.trace_id for r in records if must_keep(r)}
        kept: list[SpanRecord] = []
        for record in records:
            if record.trace_id in pinned:
                kept.append(record)
            elif int(record.trace_id[16:], 16) < self._bound:
                # Already thinned by the sender at a lower rate (its weight): that one
                # holds, as both test the same trace-id bits.
                kept.append(replace(record, weight=max(record.weight, self._weight)))
        return kept
