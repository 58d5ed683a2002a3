"""How `setup()`'s OTLP exporters are bounded in time, so a collector that is down or never
answers costs at most `EXIT_FLUSH_S` at exit.

The exporter's defaults (10 s an export, retries with backoff inside it) held each batch
~7 s against a refused connection, and the provider's exit flush went through every queued
batch that way with no bound of its own: a process stalled 7-19 s after its main code ended
(found by probing). Exit now waits at most `EXIT_FLUSH_S` for the queued spans; what is still
queued then is lost. An export keeps the SDK's 10 s in all, retries included
(`EXPORT_TIMEOUT_S`; the standard OTEL_EXPORTER_OTLP_TIMEOUT /
OTEL_EXPORTER_OTLP_<SIGNAL>_TIMEOUT set another): 2 s dropped every span of a collector that
answered in 2.5 s or was restarting for 2.5 s (found by review).
"""

from __future__ import annotations

import inspect
import os
import threading
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor

EXPORT_TIMEOUT_S = 10.0
"""One export's time in all, retries included, unless the OTel environment sets one."""
EXIT_FLUSH_S = 2.0
"""The longest exit (the tracer provider's shutdown) waits for the queued spans."""
RELEASE_WAIT_S = 600.0
"""The longest providers let go of (their last Charter closed) stay up for the spans of
calls still running, before they shut down (on their own thread, never the caller's)."""


def export_timeout(signal: str) -> float | None:
    """`EXPORT_TIMEOUT_S`, or None (the exporter reads the environment) when the standard
    OTEL_EXPORTER_OTLP_TIMEOUT or OTEL_EXPORTER_OTLP_<SIGNAL>_TIMEOUT is set."""
    named = ("OTEL_EXPORTER_OTLP_TIMEOUT", f"OTEL_EXPORTER_OTLP_{signal.upper()}_TIMEOUT")
    return None if any(os.environ.get(name) for name in named) else EXPORT_TIMEOUT_S


class ExitBoundedSpanProcessor(BatchSpanProcessor):
    """`BatchSpanProcessor` whose shutdown waits at most `EXIT_FLUSH_S`: its batching
    processor takes a timeout that `BatchSpanProcessor.shutdown` does not pass on (30 s)."""

    def shutdown(self) -> None:
        inner: Any = getattr(self, "_batch_processor", None)
        stop = getattr(inner, "shutdown", None)
        if stop is None or "timeout_millis" not in inspect.signature(stop).parameters:
            super().shutdown()  # type: ignore[no-untyped-call]  # bounded by the export timeout
            return
        stop(timeout_millis=EXIT_FLUSH_S * 1000)


class OpenSpans(SpanProcessor):
    """Counts a provider's spans started and not yet ended. Added after its exporting
    processor, so a span is queued for export before the count drops: letting go of the
    provider waits for it (found by review: a call running across `close()` lost its span)."""

    def __init__(self) -> None:
        self._open = 0
        self._idle = threading.Condition()
        self.given_up = False
        """Set at exit: the providers' own exit flush sends what ended."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        with self._idle:
            self._open += 1

    def on_end(self, span: ReadableSpan) -> None:
        with self._idle:
            self._open -= 1
            if self._open <= 0:
                self._idle.notify_all()

    def wait_idle(self, timeout_s: float) -> None:
        """Once no span is open, or after `timeout_s`, or at exit (`give_up`)."""
        with self._idle:
            self._idle.wait_for(lambda: self._open <= 0 or self.given_up, timeout_s)

    def give_up(self) -> None:
        with self._idle:
            self.given_up = True
            self._idle.notify_all()
