from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode

from charter import semconv as sc
from charter.decision import Action, ApprovalSpec, Decision, Stage, Violation
from charter.errors import PolicyViolation
from charter.policy.input import PIISummary
from charter.telemetry import MAX_CONTENT_CHARS, safe_user
from tests.telemetry.conftest import Otel


def _deny(rule: str = "privacy.national_id_external", stage: Stage = Stage.INPUT) -> Decision:
    return Decision(
        action=Action.DENY,
        violations=(Violation(rule=rule, principle="KVKK art. 9"),),
        policy_revision="rev-7",
        stage=stage,
    )


def _redact() -> Decision:
    return Decision(
        action=Action.REDACT,
        violations=(Violation(rule="privacy.email", principle="GDPR art. 5"),),
        redact={"EMAIL_ADDRESS": "placeholder"},
        policy_revision="rev-7",
    )


def test_call_span_carries_genai_and_charter_attributes(otel: Otel) -> None:
    tel = otel.telemetry()
    with tel.call(operation="chat", provider="openai", model="gpt-4o", user="u-42") as call:
        with call.stage(sc.SPAN_PII):
            call.record_pii([PIISummary(type="EMAIL_ADDRESS", score=0.9, count=2)])
        with call.stage(sc.SPAN_POLICY):
            call.record_decision(_redact())
        call.record_signals({"jailbreak": 0.25})
        call.record_usage(120, 30, ["stop"])

    span = otel.span("chat gpt-4o")
    a = span.attributes or {}
    assert span.kind is SpanKind.CLIENT
    assert a[sc.GEN_AI_OPERATION_NAME] == "chat"
    assert a[sc.GEN_AI_PROVIDER_NAME] == "openai"
    assert a[sc.GEN_AI_REQUEST_MODEL] == "gpt-4o"
    assert a[sc.GEN_AI_USAGE_INPUT_TOKENS] == 120
    assert a[sc.GEN_AI_USAGE_OUTPUT_TOKENS] == 30
    assert a[sc.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert (a[sc.APP], a[sc.TENANT], a[sc.ENVIRONMENT], a[sc.USER]) == (
        "support-bot",
        "acme",
        "test",
        "u-42",
    )
    assert a[sc.ACTION] == "redact"
    assert a[sc.RULES] == ("privacy.email",)
    assert a[sc.PRINCIPLES] == ("GDPR art. 5",)
    assert a[sc.POLICY_REVISION] == "rev-7"
    assert a[sc.PII_TYPES] == ("EMAIL_ADDRESS",)
    assert a[sc.PII_COUNT] == 2
    assert a[sc.PII_COUNT_PREFIX + "EMAIL_ADDRESS"] == 2
    assert a[sc.SIGNAL_PREFIX + "jailbreak"] == 0.25
    assert a[sc.LATENCY_MS] >= 0
    assert span.status.status_code is StatusCode.UNSET


def test_stages_are_events_on_the_one_call_span_with_their_own_decision(otel: Otel) -> None:
    tel = otel.telemetry()
    with tel.call(operation="chat", provider="openai", model="m", user="u") as call:
        with call.stage(sc.SPAN_POLICY):
            assert trace.get_current_span() is call.span  # nested work joins the call
            first = _redact()
            call.record_decision(first)
        with call.stage(sc.SPAN_APPROVAL):
            call.record_approval("apr-1", "approved", 1500.0)
        with call.stage(sc.SPAN_POLICY):
            output = _deny(stage=Stage.OUTPUT)
            call.record_decision(output)

    root = otel.span("chat m")
    assert [s.name for s in otel.spans()] == ["chat m"]  # one span per guarded call
    assert [e.name for e in root.events] == [sc.SPAN_POLICY, sc.SPAN_APPROVAL, sc.SPAN_POLICY]
    input_eval, approval, output_eval = (dict(e.attributes or {}) for e in root.events)
    assert input_eval[sc.STAGE_ACTION] == "redact"
    assert input_eval[sc.STAGE] == "input"
    assert input_eval[sc.DECISION_ID] == first.decision_id
    assert output_eval[sc.STAGE_ACTION] == "deny"
    assert output_eval[sc.STAGE] == "output"
    assert output_eval[sc.RULES] == ("privacy.national_id_external",)
    assert approval[sc.APPROVAL_ID] == "apr-1"
    assert approval[sc.APPROVAL_STATE] == "approved"
    assert all(float(e[sc.STAGE_DURATION_MS]) >= 0 for e in (input_eval, approval, output_eval))
    # The call's action is the strictest of its stages, with every rule that fired.
    a = root.attributes or {}
    assert a[sc.ACTION] == "deny"
    assert a[sc.DECISION_ID] == output.decision_id
    assert a[sc.RULES] == ("privacy.email", "privacy.national_id_external")
    assert a[sc.APPROVAL_WAIT_MS] == 1500.0


def test_strictest_action_wins_whatever_the_order(otel: Otel) -> None:
    tel = otel.telemetry()
    approval = Decision(action=Action.REQUIRE_APPROVAL, approval=ApprovalSpec(reason="big"))
    with tel.call(operation="chat", provider="p", model="m", user="u") as call:
        call.record_decision(approval)
        call.record_decision(_redact())
        call.record_decision(Decision(action=Action.ALLOW))
    a = otel.span("chat m").attributes or {}
    assert a[sc.ACTION] == "require_approval"
    assert a[sc.DECISION_ID] == approval.decision_id


def test_tool_calls_follow_the_execute_tool_convention(otel: Otel) -> None:
    tel = otel.telemetry()
    with tel.call(operation="execute_tool", provider="p", model="", user="u", tool="refund"):
        pass
    span = otel.span("execute_tool refund")
    assert span.kind is SpanKind.INTERNAL
    assert (span.attributes or {})[sc.GEN_AI_TOOL_NAME] == "refund"
    assert sc.GEN_AI_REQUEST_MODEL not in (span.attributes or {})


def test_pii_counts_add_up_across_stages_and_signals_keep_the_highest(otel: Otel) -> None:
    tel = otel.telemetry()
    with tel.call(operation="chat", provider="p", model="m", user="u") as call:
        call.record_pii([PIISummary(type="EMAIL_ADDRESS", score=1, count=1)])
        call.record_signals({"jailbreak": 0.7, "harm": 0.1})
        call.record_pii(
            [
                PIISummary(type="EMAIL_ADDRESS", score=1, count=2),
                PIISummary(type="TR_NATIONAL_ID", score=1, count=1),
            ]
        )
        call.record_signals({"jailbreak": 0.2, "harm": 0.4})
    a = otel.span("chat m").attributes or {}
    assert a[sc.PII_TYPES] == ("EMAIL_ADDRESS", "TR_NATIONAL_ID")
    assert a[sc.PII_COUNT] == 4
    assert a[sc.PII_COUNT_PREFIX + "EMAIL_ADDRESS"] == 3
    assert a[sc.PII_COUNT_PREFIX + "TR_NATIONAL_ID"] == 1
    assert a[sc.SIGNAL_PREFIX + "jailbreak"] == 0.7
    assert a[sc.SIGNAL_PREFIX + "harm"] == 0.4


def test_the_request_and_the_response_keep_their_own_highest_scores(otel: Otel) -> None:
    tel = otel.telemetry()
    with tel.call(operation="chat", provider="p", model="sides", user="u") as call:
        call.record_signals({"jailbreak": 0.1, "harm": 0.3})
        call.record_signals({"jailbreak": 0.9, "harm": 0.2}, response=True)
        call.record_signals({"jailbreak": 0.4, "harm": 0.6}, response=True)
    a = otel.span("chat sides").attributes or {}
    assert a[sc.SIGNAL_PREFIX + "jailbreak"] == 0.1 and a[sc.SIGNAL_PREFIX + "harm"] == 0.3
    assert a[sc.RESPONSE_SIGNAL_PREFIX + "jailbreak"] == 0.9
    assert a[sc.RESPONSE_SIGNAL_PREFIX + "harm"] == 0.6


def test_content_is_not_recorded_unless_opted_in(otel: Otel) -> None:
    off = otel.telemetry()
    with off.call(operation="chat", provider="p", model="off", user="u") as call:
        call.record_content("prompt <EMAIL_ADDRESS_1>", "answer")
    a = otel.span("chat off").attributes or {}
    assert sc.PROMPT_REDACTED not in a and sc.ANSWER_REDACTED not in a

    on = otel.telemetry(record_content=True)
    long_answer = "x" * (MAX_CONTENT_CHARS + 100)
    with on.call(operation="chat", provider="p", model="on", user="u") as call:
        call.record_content("prompt <EMAIL_ADDRESS_1>", long_answer)
    a = otel.span("chat on").attributes or {}
    assert a[sc.PROMPT_REDACTED] == "prompt <EMAIL_ADDRESS_1>"
    assert a[sc.ANSWER_REDACTED] == "x" * MAX_CONTENT_CHARS


def test_errors_record_the_class_never_the_message(otel: Otel) -> None:
    tel = otel.telemetry()
    secret = "ayse.yilmaz@example.com"

    class ModelTimeout(Exception):
        pass

    with (
        pytest.raises(ModelTimeout),
        tel.call(operation="chat", provider="p", model="m", user="u") as call,
        call.stage(sc.SPAN_POLICY),
    ):
        raise ModelTimeout(f"timed out answering {secret}")
    root = otel.span("chat m")
    assert root.status.status_code is StatusCode.ERROR
    assert root.status.description == "ModelTimeout"
    assert str((root.attributes or {})[sc.ERROR_TYPE]).endswith("ModelTimeout")
    # the stage event names the class too, and no exception event carries the message
    [stage] = root.events
    assert stage.name == sc.SPAN_POLICY
    assert str((stage.attributes or {})[sc.ERROR_TYPE]).endswith("ModelTimeout")
    assert secret not in repr(root.to_json())
    assert (root.attributes or {})[sc.ERROR] == "ModelTimeout"


def test_a_deny_raised_through_the_call_is_an_outcome_not_an_error(otel: Otel) -> None:
    tel = otel.telemetry()
    decision = _deny()
    with (
        pytest.raises(PolicyViolation),
        tel.call(operation="chat", provider="p", model="m", user="u") as call,
    ):
        call.record_decision(decision)
        raise PolicyViolation(decision)
    span = otel.span("chat m")
    assert span.status.status_code is StatusCode.UNSET
    assert (span.attributes or {})[sc.ACTION] == "deny"
    assert sc.ERROR not in (span.attributes or {})


def test_trace_and_span_ids_match_the_exported_span(otel: Otel) -> None:
    tel = otel.telemetry()
    with tel.call(operation="chat", provider="p", model="m", user="u") as call:
        ids = (call.trace_id, call.span_id)
    span = otel.span("chat m")
    assert ids == (format(span.context.trace_id, "032x"), format(span.context.span_id, "016x"))
    assert len(ids[0]) == 32 and len(ids[1]) == 16


def test_the_call_span_is_current_inside_and_restored_after(otel: Otel) -> None:
    tel = otel.telemetry()
    before = trace.get_current_span()
    with tel.call(operation="chat", provider="p", model="m", user="u") as call:
        assert trace.get_current_span() is call.span
    assert trace.get_current_span() is before


def test_calls_nest_under_the_applications_own_span(otel: Otel) -> None:
    tel = otel.telemetry()
    app_tracer = otel.tracer_provider.get_tracer("app")
    with (
        app_tracer.start_as_current_span("handle request") as outer,
        tel.call(operation="chat", provider="p", model="m", user="u"),
    ):
        pass
    call_span = otel.span("chat m")
    assert call_span.parent is not None
    assert call_span.parent.span_id == outer.get_span_context().span_id


def test_unsampled_calls_skip_span_work_but_still_count_metrics() -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from charter.telemetry import Telemetry

    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ALWAYS_OFF)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    tel = Telemetry(
        tracer_provider=provider,
        meter_provider=MeterProvider(metric_readers=[reader]),
        app="a",
        tenant="t",
        environment="e",
    )
    with tel.call(operation="chat", provider="p", model="m", user="u") as call:
        assert not call.span.is_recording()
        assert len(call.trace_id) == 32  # still propagates a context
        with call.stage(sc.SPAN_POLICY):
            call.record_decision(_deny())
    assert exporter.get_finished_spans() == ()
    data = reader.get_metrics_data()
    assert data is not None
    names = {m.name for rm in data.resource_metrics for s in rm.scope_metrics for m in s.metrics}
    assert {sc.METRIC_DECISIONS, sc.METRIC_LATENCY} <= names


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("u-7f3a", True),
        ("7f3a9c", True),
        ("user_123", True),
        ("ayse@example.com", False),
        ("Ayşe Yılmaz", False),
        ("+90 532 123 45 67", False),
        ("05321234567", False),
        ("jane\uff20example.com", False),  # a full-width @ (found by review: kept raw)
        ("jane\ufe6bexample.com", False),  # a small-form @
        ("Ay\u015fe\u3000Y\u0131lmaz", False),  # an ideographic space
    ],
)
def test_only_pseudonyms_reach_the_span(given: str, kept: bool) -> None:
    recorded = safe_user(given)
    assert (recorded == given) is kept
    if not kept:
        assert recorded.startswith("h-") and given not in recorded
