"""The parts of a call span that are not the call itself: its reusable shape, the event
one pipeline stage leaves on it, and how an error is marked (class names, never messages).
"""

from __future__ import annotations

import time
from types import TracebackType

from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from charter import semconv as sc
from charter.telemetry._instruments import Instruments


class _AttributeNames(dict[str, str]):
    """Signal name -> its span attribute name (`prefix + name`), built once per name."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def __missing__(self, name: str) -> str:
        full = self.prefix + name
        if len(self) < _MAX_SIGNAL_NAMES:
            self[name] = full
        return full


_MAX_SIGNAL_NAMES = 1024
SIGNAL_NAMES = _AttributeNames(sc.SIGNAL_PREFIX)
"""Signal name -> span attribute name, request side and response side."""
RESPONSE_SIGNAL_NAMES = _AttributeNames(sc.RESPONSE_SIGNAL_PREFIX)


class CallShape:
    """Everything about a call that repeats across calls with the same model and tool."""

    __slots__ = ("attributes", "kind", "metric_operation", "name")

    def __init__(
        self,
        name: str,
        kind: SpanKind,
        attributes: dict[str, AttributeValue],
        metric_operation: str,
    ) -> None:
        self.name = name
        self.kind = kind
        self.attributes = attributes
        self.metric_operation = metric_operation


class StageEvent:
    """One pipeline stage of a call, recorded as an event on the call span when it ends (the
    event's time is the stage's end; its duration is `charter.stage.duration_ms`).
    While it is open it sits on the call's `open` stack, so the stage's own decision lands
    in its attributes."""

    __slots__ = ("_instruments", "_name", "_open", "_span", "_start_ns", "attributes")

    def __init__(
        self, name: str, span: Span, instruments: Instruments, open: list[StageEvent]
    ) -> None:
        self._name = name
        self._span = span
        self._instruments = instruments
        self._open = open
        self.attributes: dict[str, AttributeValue] = {}

    def __enter__(self) -> StageEvent:
        self._start_ns = time.perf_counter_ns()
        self._open.append(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open.pop()
        elapsed_ms = (time.perf_counter_ns() - self._start_ns) / 1e6
        span = self._span
        if span.is_recording():
            attrs = self.attributes
            attrs[sc.STAGE_DURATION_MS] = elapsed_ms
            if exc is not None:
                attrs[sc.ERROR_TYPE] = qualified_name(exc)
            span.add_event(self._name, attrs)  # stamped when the stage ends
        instruments = self._instruments
        instruments.stage_duration.record(
            elapsed_ms, instruments.labels(sc.METRIC_ATTR_STAGE, self._name)
        )


def qualified_name(exc: BaseException) -> str:
    """`module.Class` of an error (just `Class` for builtins): what a span records of it."""
    cls = type(exc)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def mark_error(span: Span, exc: BaseException) -> None:
    span.set_attribute(sc.ERROR_TYPE, qualified_name(exc))
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
