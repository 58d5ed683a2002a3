from __future__ import annotations

from charter import semconv as sc
from charter.decision import Action, Decision, Violation
from charter.policy.input import PIISummary
from tests.telemetry.conftest import Otel

_BASE = {"app": "support-bot", "tenant": "acme", "environment": "test"}


def _two_rule_deny() -> Decision:
    return Decision(
        action=Action.DENY,
        violations=(Violation(rule="privacy.tckn"), Violation(rule="safety.jailbreak")),
    )


def test_decisions_are_counted_by_action_stage_and_primary_rule(otel: Otel) -> None:
    tel = otel.telemetry()
    for _ in range(3):
        with tel.call(operation="chat", provider="p", model="m", user="u") as call:
            call.record_decision(Decision(action=Action.ALLOW))
    with tel.call(operation="chat", provider="p", model="m", user="u") as call:
        call.record_decision(_two_rule_deny())

    counts = {(a["action"], a["rule"]): p.value for a, p in otel.points(sc.METRIC_DECISIONS)}
    assert counts == {("allow", ""): 3, ("deny", "privacy.tckn"): 1}
    for attributes, _ in otel.points(sc.METRIC_DECISIONS):
        assert attributes["stage"] == "input"
        assert {k: attributes[k] for k in _BASE} == _BASE


def test_every_fired_rule_is_counted_once(otel: Otel) -> None:
    tel = otel.telemetry()
    with tel.call(operation="chat", provider="p", model="m", user="u") as call:
        call.record_decision(_two_rule_deny())
    hits = {a["rule"]: p.value for a, p in otel.points(sc.METRIC_RULE_HITS)}
    assert hits == {"privacy.tckn": 1, "safety.jailbreak": 1}


def test_redactions_by_entity_type_and_approvals_by_state(otel: Otel) -> None:
    tel = otel.telemetry()
    with tel.call(operation="chat", provider="p", model="m", user="u") as call:
        call.record_pii(
            [
                PIISummary(type="EMAIL_ADDRESS", score=1, count=2),
                PIISummary(type="CREDIT_CARD", score=1, count=1),
            ]
        )
        call.record_approval("a-1", "approved", 10)
    with tel.call(operation="chat", provider="p", model="m", user="u") as call:
        call.record_pii([PIISummary(type="EMAIL_ADDRESS", score=1, count=1)])
        call.record_approval("a-2", "rejected", 20)
    redactions = {a["entity_type"]: p.value for a, p in otel.points(sc.METRIC_REDACTIONS)}
    assert redactions == {"EMAIL_ADDRESS": 3, "CREDIT_CARD": 1}
    approvals = {a["state"]: p.value for a, p in otel.points(sc.METRIC_APPROVALS)}
    assert approvals == {"approved": 1, "rejected": 1}


def test_latency_histograms_per_call_and_per_stage(otel: Otel) -> None:
    tel = otel.telemetry()
    for _ in range(2):
        with tel.call(operation="chat", provider="p", model="m", user="u") as call:
            with call.stage(sc.SPAN_POLICY):
                call.record_decision(Decision(action=Action.REDACT))
            with call.stage(sc.SPAN_PII):
                pass
    [(attributes, point)] = otel.points(sc.METRIC_LATENCY)
    assert point.count == 2
    assert attributes["action"] == "redact" and attributes["operation"] == "chat"
    stages = {a["stage"]: p.count for a, p in otel.points(sc.METRIC_STAGE_DURATION)}
    assert stages == {sc.SPAN_POLICY: 2, sc.SPAN_PII: 2}


def test_call_without_a_decision_is_counted_with_an_empty_action(otel: Otel) -> None:
    tel = otel.telemetry()
    with tel.call(operation="chat", provider="p", model="m", user="u"):
        pass
    [(attributes, point)] = otel.points(sc.METRIC_LATENCY)
    assert attributes["action"] == "" and point.count == 1
    assert sc.ACTION not in (otel.span("chat m").attributes or {})
