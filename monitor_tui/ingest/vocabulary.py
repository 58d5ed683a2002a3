"""What the receiver keeps of a span: Charter's vocabulary (`charter.semconv`), nothing else.

Any instrumentation in an application can export to the console's endpoint, and others
record what Charter never does: prompt text, request URLs with query strings, exception
messages with the customer's e-mail in them, span names such as "POST /v1/chat for
jane@example.com". The console reads only Charter's attributes and names, so the receiver
replaces the rest when it decodes a span, and they never reach the span store or `charter
monitor export` (no personal data at rest unless opted in: Charter's own content
attributes exist only with `record_content`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from charter import semconv

SPAN_KEYS = frozenset(
    value
    for name, value in vars(semconv).items()
    if name.isupper()
    and isinstance(value, str)
    and not name.startswith(("SPAN_", "METRIC_"))  # span and metric names, metric labels
    and not value.endswith(".")  # the prefixes, below
)
"""Span attribute keys Charter emits: its own `charter.*`, the GenAI ones and `error.type`.
Taken from `charter.semconv` whole, so a key the SDK adds is kept without a change here."""

SPAN_PREFIXES = (
    semconv.SIGNAL_PREFIX,
    semconv.RESPONSE_SIGNAL_PREFIX,
    semconv.PII_COUNT_PREFIX,
    semconv.PROBE_METRIC_PREFIX,
    semconv.PROBE_BASELINE_METRIC_PREFIX,
)
"""Families of keys named at run time (a signal, an entity type, a probe count)."""

SPAN_NAMES = frozenset(value for name, value in vars(semconv).items() if name.startswith("SPAN_"))
"""Names of the spans Charter emits besides its call spans (stages, probes, checkpoints)."""
OTHER_SPAN = "(other span)"
"""The name kept for a span Charter did not name: the trace view still shows where it was."""

RESOURCE_KEYS: frozenset[str] = frozenset()
RESOURCE_PREFIXES = ("service.", "telemetry.sdk.", "deployment.")
"""Which service sent a span (the console shows `service.name`) and from where; not the
host, process (its command line can hold secrets) or anything else a resource carries."""

_EXCEPTION_NAME = re.compile(r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*", re.ASCII)
_MAX_EXCEPTION_NAME = 200


def status_message(message: str) -> str:
    """`message` when it reads as an exception class name (the SDK sets its status to
    `type(exc).__name__`), else "": other senders put the exception's text there."""
    if not message or (len(message) <= _MAX_EXCEPTION_NAME and _EXCEPTION_NAME.fullmatch(message)):
        return message
    return ""


def span_name(name: str, attributes: Mapping[str, object]) -> str:
    """`name` when Charter could have given it: one of `SPAN_NAMES`, or a call span's name
    built from the span's own GenAI attributes (kept, so the name adds nothing to them).
    Any other name is `OTHER_SPAN`."""
    if name in SPAN_NAMES:
        return name
    operation, model, tool = (
        attributes.get(key)
        for key in (
            semconv.GEN_AI_OPERATION_NAME,
            semconv.GEN_AI_REQUEST_MODEL,
            semconv.GEN_AI_TOOL_NAME,
        )
    )
    if not isinstance(operation, str):
        return OTHER_SPAN
    model = model if isinstance(model, str) else ""
    tool = tool if isinstance(tool, str) else None
    return name if name == semconv.call_span_name(operation, model, tool) else OTHER_SPAN
