"""Head sampling of allowed calls: denies, redactions, approvals and errors are always kept."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from opentelemetry import context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

from charter import semconv as sc
from charter.decision import Action, ApprovalSpec, Decision, Violation
from charter.errors import ConfigurationError
from charter.telemetry import DecisionSamplingProcessor, Telemetry

SAMPLED = 0x0  # low 64 bits 0: inside any non-zero ratio
UNSAMPLED = TraceIdRatioBased.TRACE_ID_LIMIT  # low 64 bits all ones: outside any ratio < 1


class ChosenTraceIds(IdGenerator):
    """Trace ids whose low 64 bits we pick, so the ratio test is deterministic."""

    def __init__(self) -> None:
        self.next_low_bits = UNSAMPLED
        self._random = RandomIdGenerator()

    def generate_span_id(self) -> int:
        return self._random.generate_span_id()

    def generate_trace_id(self) -> int:
        return (random.getrandbits(64) << 64) | self.next_low_bits


class Setup:
    def __init__(self, rate: float, **limits: int) -> None:
        self.ids = ChosenTraceIds()
        self.exported = InMemorySpanExporter()
        self.sampler = DecisionSamplingProcessor(
            SimpleSpanProcessor(self.exported), allow_rate=rate, **limits
        )
        self.provider = TracerProvider(id_generator=self.ids)
        self.provider.add_span_processor(self.sampler)
        self.telemetry = Telemetry(
            tracer_provider=self.provider, app="a", tenant="t", environment="e"
        )

    def guarded(self, decision: Decision | None, *, low_bits: int = UNSAMPLED) -> str:
        """One guarded call with a policy stage (an event) and two nested client spans."""
        self.ids.next_low_bits = low_bits
        with self.telemetry.call(operation="chat", provider="p", model="m", user="u") as call:
            with call.stage(sc.SPAN_POLICY):
                if decision is not None:
                    call.record_decision(decision)
            client = self.provider.get_tracer("http-client")
            with client.start_as_current_span("GET /v1/models"):
                pass
            with client.start_as_current_span("POST /v1/chat"):
                pass
        return call.trace_id

    def exported_names(self, trace_id: str) -> list[str]:
        return sorted(
            s.name
            for s in self.exported.get_finished_spans()
            if format(s.context.trace_id, "032x") == trace_id
        )


ALL_THREE = sorted(["chat m", "GET /v1/models", "POST /v1/chat"])  # stages: events on "chat m"


@pytest.fixture
def none_sampled() -> Iterator[Setup]:
    setup = Setup(rate=0.0)
    yield setup
    setup.provider.shutdown()


def test_unsampled_allowed_calls_are_dropped_whole(none_sampled: Setup) -> None:
    trace_id = none_sampled.guarded(Decision(action=Action.ALLOW))
    assert none_sampled.exported_names(trace_id) == []
    assert none_sampled.sampler.dropped_calls == 1
    assert none_sampled.sampler.dropped_spans == 3


@pytest.mark.parametrize(
    "decision",
    [
        Decision(action=Action.DENY, violations=(Violation(rule="r"),)),
        Decision(action=Action.REDACT),
        Decision(action=Action.REQUIRE_APPROVAL, approval=ApprovalSpec()),
        None,  # no decision recorded at all: kept, never judged allowed by default
    ],
    ids=["deny", "redact", "require_approval", "undecided"],
)
def test_non_allow_calls_are_always_kept_with_all_their_spans(
    none_sampled: Setup, decision: Decision | None
) -> None:
    trace_id = none_sampled.guarded(decision)
    assert none_sampled.exported_names(trace_id) == ALL_THREE
    assert none_sampled.sampler.dropped_calls == 0


def test_failed_allowed_calls_are_kept(none_sampled: Setup) -> None:
    with (
        pytest.raises(TimeoutError),
        none_sampled.telemetry.call(operation="chat", provider="p", model="m", user="u") as call,
    ):
        call.record_decision(Decision(action=Action.ALLOW))
        raise TimeoutError
    assert none_sampled.exported_names(call.trace_id) == ["chat m"]


def test_a_nested_deny_keeps_the_allowed_outer_call(none_sampled: Setup) -> None:
    tel = none_sampled.telemetry
    with tel.call(operation="invoke_agent", provider="p", model="m", user="u") as outer:
        outer.record_decision(Decision(action=Action.ALLOW))
        with tel.call(
            operation="execute_tool", provider="p", model="", user="u", tool="refund"
        ) as inner:
            inner.record_decision(Decision(action=Action.DENY))
    assert none_sampled.exported_names(outer.trace_id) == ["execute_tool refund", "invoke_agent m"]


def test_sampled_share_of_allowed_calls_is_forwarded() -> None:
    setup = Setup(rate=0.5)
    kept = setup.guarded(Decision(action=Action.ALLOW), low_bits=SAMPLED)
    dropped = setup.guarded(Decision(action=Action.ALLOW), low_bits=UNSAMPLED)
    assert setup.exported_names(kept) == ALL_THREE
    assert setup.exported_names(dropped) == []
    assert setup.sampler.dropped_calls == 1


def test_call_spans_of_the_sampled_share_carry_the_rate() -> None:
    """An allowed call kept as one of the share stands for 1/rate calls: the span says so,
    so the console weighs it (it read the kept mix, denials over-represented). Calls kept
    for their decision carry nothing: every one of them is kept."""
    setup = Setup(rate=0.25)
    kept = setup.guarded(Decision(action=Action.ALLOW), low_bits=SAMPLED)
    denied = setup.guarded(
        Decision(action=Action.DENY, violations=(Violation(rule="r"),)), low_bits=UNSAMPLED
    )
    rates = {
        format(s.context.trace_id, "032x"): (s.attributes or {}).get(sc.SAMPLED_ALLOW_RATE)
        for s in setup.exported.get_finished_spans()
        if s.name == "chat m"
    }
    assert rates == {kept: 0.25, denied: None}
    clients = [s for s in setup.exported.get_finished_spans() if s.name != "chat m"]
    assert all(sc.SAMPLED_ALLOW_RATE not in (s.attributes or {}) for s in clients)
    everything = Setup(rate=1.0)
    everything.guarded(Decision(action=Action.ALLOW), low_bits=SAMPLED)
    assert all(
        sc.SAMPLED_ALLOW_RATE not in (s.attributes or {})
        for s in everything.exported.get_finished_spans()
    )


def test_the_share_matches_trace_id_ratio_sampling() -> None:
    rate = 0.25
    setup = Setup(rate=rate)
    reference = TraceIdRatioBased(rate)
    expected = 0
    for _ in range(400):
        low_bits = random.getrandbits(64)
        expected += (low_bits & TraceIdRatioBased.TRACE_ID_LIMIT) < reference.bound
        setup.guarded(Decision(action=Action.ALLOW), low_bits=low_bits)
    exported_calls = [s for s in setup.exported.get_finished_spans() if s.name == "chat m"]
    assert len(exported_calls) == expected
    assert setup.sampler.dropped_calls == 400 - expected


def test_spans_outside_guarded_calls_pass_through(none_sampled: Setup) -> None:
    with none_sampled.provider.get_tracer("app").start_as_current_span("cron job"):
        pass
    assert [s.name for s in none_sampled.exported.get_finished_spans()] == ["cron job"]


def test_rate_one_forwards_everything() -> None:
    setup = Setup(rate=1.0)
    trace_id = setup.guarded(Decision(action=Action.ALLOW))
    assert setup.exported_names(trace_id) == ALL_THREE


def test_held_spans_are_bounded_and_overflow_keeps_rather_than_drops() -> None:
    setup = Setup(rate=0.0, max_spans_per_call=1)
    trace_id = setup.guarded(Decision(action=Action.ALLOW))
    assert setup.exported_names(trace_id) == ALL_THREE
    assert setup.sampler.overflow == 1

    setup = Setup(rate=0.0, max_pending_calls=1)
    tel = setup.telemetry
    with tel.call(operation="chat", provider="p", model="one", user="u") as first:
        first.record_decision(Decision(action=Action.ALLOW))
        token = context.attach(context.Context())  # a second, unrelated call meanwhile
        try:
            with tel.call(operation="chat", provider="p", model="two", user="u") as second:
                second.record_decision(Decision(action=Action.ALLOW))
        finally:
            context.detach(token)
    assert setup.sampler.overflow == 1
    assert setup.exported_names(second.trace_id) == ["chat two"]  # not held: kept
    assert setup.exported_names(first.trace_id) == []


def test_invalid_rate_is_refused_with_the_reason() -> None:
    with pytest.raises(ConfigurationError, match=r"between 0\.0 and 1\.0"):
        DecisionSamplingProcessor(SimpleSpanProcessor(InMemorySpanExporter()), allow_rate=1.5)
