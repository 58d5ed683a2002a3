"""What the receiver keeps of a span: Charter's vocabulary (`charter.semconv`), nothing else.

Any instrumentation in an application can export to the console's endpoint, and others
record what Charter never does: prompt text, request URLs with query strings, exception
messages with the customer's e-mail in them. The console reads only Charter's attributes,
so the receiver drops the rest when it decodes a span, and they never reach the span store
or `charter monitor export` (no personal data at rest unless opted in: Charter's own
content attributes exist only with `record_content`).
"""

from __future__ import annotations

import re

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
