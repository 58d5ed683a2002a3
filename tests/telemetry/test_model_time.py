"""`charter.call_ms`, the model's time, on every call that reached the model (found by
probing): a guarded stream never recorded it and a model that raised (a timeout) skipped it,
so the console, which reads latency only from calls that reached the model, saw neither: a
streaming app's model four times slower read OK. A stream's time is what producing its
chunks took, not its reader's. The clock is a fake the model and the reader move: no
timing is measured."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan

from charter import semconv as sc
from charter.config import DEFAULT_POLICIES, Settings
from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.signals import SignalSet
from tests.telemetry.conftest import Otel


class Clock:
    """`time.perf_counter`, moved only by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    def spend(self, ms: float) -> None:
        self.now += ms / 1e3


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "perf_counter", fake.perf_counter)
    return fake


@pytest.fixture
def charter(tmp_path: Path, otel: Otel) -> Iterator[Charter]:
    settings = Settings.build(
        {
            "policies": str(DEFAULT_POLICIES),
            "store_url": f"sqlite:///{tmp_path / 'c.db'}",
            "audit": False,
            "pii_mode": "off",
        }
    )
    guard = Charter(settings, telemetry=otel.telemetry(), signals=SignalSet([]))
    yield guard
    guard.close()


def _call_span(otel: Otel) -> ReadableSpan:
    [span] = [s for s in otel.spans() if s.name == "chat gpt-4o"]
    return span


WORDS = ["Our ", "branches ", "open ", "at nine."]


def test_a_stream_records_the_time_its_chunks_took(
    charter: Charter, clock: Clock, otel: Otel
) -> None:
    @charter.guard(model="gpt-4o", provider="openai")
    def answer(prompt: str) -> Iterator[str]:
        for word in WORDS:
            clock.spend(40)  # the model producing a chunk
            yield word

    for _ in answer("When do you open?"):
        clock.spend(1000)  # the reader holding it: not the model's time
    attributes = _call_span(otel).attributes or {}
    assert attributes[sc.CALL_MS] == pytest.approx(40 * len(WORDS))  # main: absent
    assert sc.LATENCY_MS in attributes


def test_an_async_stream_records_the_time_its_chunks_took(
    charter: Charter, clock: Clock, otel: Otel
) -> None:
    @charter.guard(model="gpt-4o", provider="openai")
    async def answer(prompt: str) -> AsyncIterator[str]:
        for word in WORDS:
            clock.spend(25)
            yield word

    async def read() -> None:
        async for _ in answer("When do you open?"):
            clock.spend(1000)

    asyncio.run(read())
    assert (_call_span(otel).attributes or {})[sc.CALL_MS] == pytest.approx(25 * len(WORDS))


def test_a_model_that_raised_records_its_time(charter: Charter, clock: Clock, otel: Otel) -> None:
    @charter.guard(model="gpt-4o", provider="openai")
    def answer(prompt: str) -> str:
        clock.spend(30_000)
        raise TimeoutError("the model did not answer")

    with pytest.raises(TimeoutError):
        answer("When do you open?")
    span = _call_span(otel)
    assert (span.attributes or {})[sc.CALL_MS] == pytest.approx(30_000)  # main: absent
    assert (span.attributes or {})[sc.ERROR] == "TimeoutError"


def test_a_call_denied_before_the_model_records_no_model_time(
    charter: Charter, clock: Clock, otel: Otel
) -> None:
    @charter.guard(model="gpt-4o", provider="openai")
    def answer(prompt: str) -> Iterator[str]:
        yield "never reached"

    with pytest.raises(PolicyViolation):
        "".join(answer("Should I buy this stock? I want investment advice."))
    attributes = _call_span(otel).attributes or {}
    assert attributes[sc.ACTION] == "deny"
    assert sc.CALL_MS not in attributes
