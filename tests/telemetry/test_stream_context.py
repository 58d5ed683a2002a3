"""The call span of a guarded stream while its consumer holds a chunk (found by probing,
stop 34). The span stayed the *current* span across each yield, so:
- a consumer that stopped early (`break`, or a web client gone) left the stream to the event
  loop's finalizer, which closed it in another context: OpenTelemetry logged "Failed to
  detach context" (ValueError: the token was created in a different Context), and the span
  ended only then;
- the consumer's own spans between chunks became children of the guard's call.
Now the span is put aside while a chunk is with the consumer, and an explicitly closed
async stream closes the guard's driver at once, in the consumer's task."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from charter.config import DEFAULT_POLICIES, Settings
from charter.guard import Charter
from charter.signals import SignalSet
from tests.telemetry.conftest import Otel

CHUNK = "Our branch opens at nine on weekdays. " * 3


@pytest.fixture
def traced(
    tmp_path: Path, otel: Otel
) -> Iterator[tuple[Charter, InMemorySpanExporter, TracerProvider]]:
    telemetry = otel.telemetry()
    settings = Settings.build(
        {
            "policies": str(DEFAULT_POLICIES),
            "store_url": f"sqlite:///{tmp_path / 'c.db'}",
            "audit": False,
            "pii_mode": "off",
        }
    )
    charter = Charter(settings, telemetry=telemetry, signals=SignalSet([]))  # no scores needed
    yield charter, otel.spans_out, otel.tracer_provider
    charter.close()


def _calls(exporter: InMemorySpanExporter) -> list[str]:
    return [s.name for s in exporter.get_finished_spans() if s.name.startswith("chat")]


def _async_stream(charter: Charter) -> Callable[[str], AsyncIterator[str]]:
    """A guarded async stream of three chunks."""

    @charter.guard(model="m", provider="openai")
    async def answer(prompt: str) -> AsyncIterator[str]:
        for _ in range(3):
            yield CHUNK

    return answer


def test_an_async_stream_closed_early_ends_its_span_at_once_without_errors(
    traced: tuple[Charter, InMemorySpanExporter, TracerProvider], caplog: pytest.LogCaptureFixture
) -> None:
    charter, exporter, _ = traced
    answer = _async_stream(charter)

    async def first_then_close() -> list[str]:
        stream = answer("hello")
        await anext(stream)
        await stream.aclose()
        return _calls(exporter)  # before the event loop shuts down

    with caplog.at_level(logging.ERROR, logger="opentelemetry.context"):
        assert asyncio.run(first_then_close()) == ["chat m"]  # main: [] (ended at shutdown)
    assert "Failed to detach context" not in caplog.text  # main: logged, with a ValueError


def test_an_async_stream_abandoned_by_break_ends_cleanly(
    traced: tuple[Charter, InMemorySpanExporter, TracerProvider], caplog: pytest.LogCaptureFixture
) -> None:
    charter, exporter, _ = traced
    answer = _async_stream(charter)

    async def break_early() -> None:
        async for _ in answer("hello"):
            break  # the stream is left to the event loop's finalizer

    with caplog.at_level(logging.ERROR, logger="opentelemetry.context"):
        asyncio.run(break_early())
        gc.collect()
    assert _calls(exporter) == ["chat m"]
    assert "Failed to detach context" not in caplog.text  # main: logged


def test_a_consumers_spans_between_chunks_are_not_children_of_the_call(
    traced: tuple[Charter, InMemorySpanExporter, TracerProvider],
) -> None:
    charter, exporter, provider = traced
    tracer = provider.get_tracer("app")
    seen_in_model: list[trace.Span] = []

    @charter.guard(model="m", provider="openai")
    def answer(prompt: str) -> Iterator[str]:
        for _ in range(3):
            seen_in_model.append(trace.get_current_span())  # the model's client runs here
            yield CHUNK

    with tracer.start_as_current_span("request") as request:
        for _ in answer("hello"):
            with tracer.start_as_current_span("render"):
                pass
            assert trace.get_current_span() is request  # main: the guard's call span
    spans = {s.name: s for s in exporter.get_finished_spans()}
    call, render = spans["chat m"], spans["render"]
    assert render.parent is not None and render.parent.span_id == request.get_span_context().span_id
    assert call.parent is not None and call.parent.span_id == request.get_span_context().span_id
    # while the guard pulls from the model, the call span is current: its client joins it
    assert {s.get_span_context().span_id for s in seen_in_model} == {call.context.span_id}
