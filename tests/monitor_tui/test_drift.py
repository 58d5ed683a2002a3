"""Drift statistics on synthetic traffic: real shifts are caught, identical traffic is not
flagged, and too little data is never an alarm."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from monitor_tui.drift import (
    DriftConfig,
    DriftReport,
    DriftSeverity,
    FeatureDrift,
    compare,
    compare_tables,
)
from monitor_tui.drift_features import (
    SOURCES,
    FeatureTable,
    current_window,
    extract_features,
    source_of,
    trailing_baseline,
)
from monitor_tui.drift_stats import effective_size, histogram, js_distance, psi
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.sampling import Sampler

from charter import semconv
from tests.monitor_tui.factories import NOW, call_span, traffic


def feature(report: DriftReport, name: str, segment: int = 0) -> FeatureDrift:
    return next(f for f in report.segments[segment].features if f.feature == name)


def flagged(report: DriftReport) -> set[str]:
    return {f.feature for _, f in report.alerts()}


@pytest.mark.parametrize("seed", range(5))
def test_identical_distributions_are_not_flagged(seed: int) -> None:
    report = compare(traffic(400, seed=seed), traffic(400, seed=100 + seed))
    assert report.alerts() == []
    assert report.severity is DriftSeverity.OK
    assert all(f.severity is DriftSeverity.OK for f in report.segments[0].features)


def test_longer_prompts_are_detected() -> None:
    report = compare(traffic(400, seed=1), traffic(400, seed=2, token_mu=5.6))
    tokens = feature(report, "input_tokens")
    assert tokens.severity is DriftSeverity.ALERT
    assert tokens.score is not None and tokens.score >= 0.25
    assert tokens.p_value is not None and tokens.p_value < 1e-6
    assert tokens.summary["current_p50"] > tokens.summary["baseline_p50"] * 1.5
    assert tokens.wasserstein is not None and tokens.wasserstein > 50
    assert flagged(report) == {"input_tokens"}  # nothing else moved


def test_a_small_token_shift_is_a_warning_not_an_alert() -> None:
    report = compare(traffic(1000, seed=1), traffic(1000, seed=2, token_mu=5.17))
    assert feature(report, "input_tokens").severity is DriftSeverity.WARN


def test_a_new_model_version_is_detected() -> None:
    report = compare(traffic(300, seed=1), traffic(300, seed=2, version="gpt-4o-2025-01-01"))
    version = feature(report, "model_version")
    assert version.severity is DriftSeverity.ALERT
    assert version.score == pytest.approx(1.0)  # disjoint: JS distance 1
    assert dict(zip(version.labels, version.current, strict=True))["gpt-4o-2025-01-01"] == 1.0
    assert flagged(report) == {"model_version"}


def test_a_rising_refusal_rate_is_detected() -> None:
    report = compare(traffic(600, seed=1, deny_rate=0.05), traffic(600, seed=2, deny_rate=0.3))
    decision = feature(report, "decision")
    assert decision.severity in (DriftSeverity.WARN, DriftSeverity.ALERT)
    shares = dict(zip(decision.labels, decision.current, strict=True))
    assert shares["deny"] > 0.2
    assert "decision" in flagged(report)
    assert "rules" in flagged(report)  # the refusing rules fire more, too


def test_too_few_spans_is_not_enough_data_never_an_alarm() -> None:
    report = compare(traffic(150, seed=1), traffic(150, seed=2, version="other", token_mu=7))
    assert report.alerts() == []
    assert report.severity is DriftSeverity.NOT_ENOUGH_DATA
    version = feature(report, "model_version")
    assert version.severity is DriftSeverity.NOT_ENOUGH_DATA
    assert "needs 200 spans on each side, has 150 baseline / 150 current" in version.reason


def test_segments_are_compared_separately() -> None:
    baseline = traffic(300, seed=1, app="bot") + traffic(300, seed=2, app="agent", first_index=1000)
    current = traffic(300, seed=3, app="bot") + traffic(
        300, seed=4, app="agent", token_mu=5.8, first_index=2000
    )
    report = compare(baseline, current)
    labels = [s.label for s in report.segments]
    assert labels == [
        "app=agent / environment=prod / model=gpt-4o / revision=rev-a",
        "app=bot / environment=prod / model=gpt-4o / revision=rev-a",
    ]
    assert report.segments[0].severity is DriftSeverity.ALERT
    assert report.segments[1].severity is DriftSeverity.OK


def unnamed(spans: list[SpanRecord]) -> list[SpanRecord]:
    """As sent by an app that set only OTEL_SERVICE_NAME: `charter.app` is "default"."""
    return [replace(s, attributes={**s.attributes, semconv.APP: "default"}) for s in spans]


def test_services_told_apart_only_by_their_service_name_are_separate_segments() -> None:
    """Found by probing: billing-bot (short prompts) and support-bot (long ones), neither
    changed, only their mix (50/50 -> 90/10): one "app=default" segment, input_tokens ALERT."""

    def mix(billing: int, support: int, seed: int) -> list[SpanRecord]:
        short = traffic(billing, seed=seed, app="billing-bot", token_mu=4.0)
        long = traffic(support, seed=seed + 1, app="support-bot", first_index=5000)
        return unnamed(short + long)

    report = compare(mix(300, 300, seed=1), mix(540, 60, seed=3))
    assert [s.label.split(" / ")[0] for s in report.segments] == [
        "app=billing-bot",
        "app=support-bot",
    ]
    assert report.alerts() == []
    named = unnamed(traffic(1, seed=1))[0]
    assert replace(named, service="").app == "default"  # no service name: the app's own


def test_probe_calls_in_their_own_environment_stay_out_of_production_segments() -> None:
    """Found by probing: the README says a probe process with its own CHARTER_ENVIRONMENT
    keeps its calls out of production drift segments, but environment was no default
    dimension: one probe run (attacks, mostly denied) made production's segment alert."""

    def probe(spans: list[SpanRecord]) -> list[SpanRecord]:
        return [
            replace(s, attributes={**s.attributes, semconv.ENVIRONMENT: "probe"}) for s in spans
        ]

    production = traffic(600, seed=1)
    probe_run = probe(traffic(230, seed=9, deny_rate=0.6, token_mu=6.0, first_index=9000))
    report = compare(production, traffic(300, seed=2) + probe_run)
    assert [s.label for s in report.segments] == [
        "app=support-bot / environment=probe / model=gpt-4o / revision=rev-a",
        "app=support-bot / environment=prod / model=gpt-4o / revision=rev-a",
    ]
    assert report.alerts() == []
    assert report.segments[1].severity is DriftSeverity.OK


def test_a_revision_change_is_flagged_and_compared_across() -> None:
    """Found by probing: a new policy revision (or model) is a new segment, so the old one
    had only baseline calls and the new one only current calls: both "not enough data",
    and `drift report --fail-on warn` passed a change nobody looked at."""
    report = compare(traffic(300, seed=1), traffic(300, seed=2, revision="rev-b"))
    assert [s.severity for s in report.segments[:2]] == [DriftSeverity.NOT_ENOUGH_DATA] * 2
    change = report.segments[2]
    assert (
        change.label
        == "app=support-bot / environment=prod / model=gpt-4o / revision=rev-a -> rev-b"
    )
    assert [(s.label, f.feature) for s, f in report.alerts()] == [(change.label, "revision_change")]
    assert feature(report, "revision_change", 2).reason.startswith(
        "revision changed rev-a -> rev-b"
    )
    assert report.severity is DriftSeverity.WARN  # the same traffic: nothing else moved
    assert report.by_source()["decisions"] is DriftSeverity.WARN
    custom = compare(
        traffic(300, seed=1),
        traffic(300, seed=2, revision="rev-b"),
        DriftConfig(group_by=("app", "model")),
    )
    assert custom.severity is DriftSeverity.OK


def test_a_model_swap_names_the_change_and_what_it_did() -> None:
    baseline = traffic(600, seed=1)
    current = traffic(300, seed=2, model="gpt-4.1", version="gpt-4.1-2025-04-14", deny_rate=0.3)
    stragglers = traffic(5, seed=3, first_index=9000)  # the old model's last in-flight calls
    report = compare(baseline, current + stragglers)
    change = report.segments[-1]
    assert (
        change.label
        == "app=support-bot / environment=prod / model=gpt-4o -> gpt-4.1 / revision=rev-a"
    )
    swap = feature(report, "model_change", len(report.segments) - 1)
    assert swap.severity is DriftSeverity.WARN
    assert (swap.n_baseline, swap.n_current) == (600, 300)
    assert swap.reason.startswith("model changed gpt-4o -> gpt-4.1")
    flagged_here = {f.feature for s, f in report.alerts(DriftSeverity.ALERT) if s is change}
    assert {"decision", "model_version"} <= flagged_here
    # Too few calls on a side is still "not enough data", never an alarm.
    small = compare(traffic(150, seed=1), traffic(150, seed=2, model="gpt-4.1"))
    assert small.severity is DriftSeverity.NOT_ENOUGH_DATA


def test_error_rate_and_redactions_and_signals_are_features() -> None:
    spans = [
        call_span(
            1,
            end_ns=1,
            status_code=2,
            pii={"EMAIL_ADDRESS": 3, "PHONE_NUMBER": 1},
            signals={"jailbreak": 0.7},
            response_signals={"jailbreak": 0.2},
            approval_state="approved",
        ),
        call_span(2, end_ns=2),
    ]
    table = extract_features(spans)
    assert table.spans == 2
    assert table.categorical["error"] == {"error": 1, "ok": 1}
    assert table.categorical["redactions"] == {"EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1, "(none)": 1}
    assert table.categorical["approval"] == {"approved": 1, "(none)": 1}
    assert table.numeric["signal.jailbreak"] == [0.7]  # what the users sent
    assert table.numeric["response_signal.jailbreak"] == [0.2]  # what came back
    assert table.numeric["pii_count"] == []  # only counted when the SDK sets the total


def test_every_feature_points_at_who_changed() -> None:
    """Each feature names its source: what the users send, what the model sends back, what
    the guard decides, or how the service runs."""
    span = call_span(
        1,
        end_ns=1,
        pii={"EMAIL_ADDRESS": 1},
        signals={"harm": 0.1},
        response_signals={"harm": 0.2},
        approval_state="approved",
    )
    table = extract_features([span])
    features = set(table.numeric) | set(table.categorical)
    assert {source_of(f) for f in features} <= set(SOURCES)
    assert source_of("signal.harm") == source_of("input_tokens") == "traffic"
    assert source_of("response_signal.harm") == source_of("model_version") == "model"
    assert source_of("decision") == source_of("rules") == "decisions"
    assert source_of("guard_overhead_ms") == "service"


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ({"token_mu": 5.6}, "traffic"),
        ({"version": "gpt-4o-2025-01-01"}, "model"),
        ({"deny_rate": 0.3}, "decisions"),
    ],
)
def test_the_report_says_which_side_changed(changed: dict[str, object], expected: str) -> None:
    report = compare(traffic(600, seed=1, deny_rate=0.05), traffic(600, seed=2, **changed))
    verdicts = report.by_source()
    assert verdicts[expected] is DriftSeverity.ALERT
    assert all(v is DriftSeverity.OK for s, v in verdicts.items() if s != expected), verdicts
    assert f"{expected} ALERT" in report.sources_line()
    assert report.to_dict()["sources"][expected] == "alert"


def slow_denials(spans: list[SpanRecord]) -> list[SpanRecord]:
    """Denied calls take 3 s (they wait for a timeout), the rest ~250 ms."""
    slow = {semconv.CALL_MS: 3000.0}
    return [
        replace(s, attributes={**s.attributes, **slow}) if s.action == "deny" else s for s in spans
    ]


def test_sampled_spans_count_as_many_as_they_stand_for() -> None:
    """Found by probing: the same 90/10 allow/deny traffic, stored at sample rate 0.1 (every
    deny kept with weight 1, 1 allow in 10 with weight 10), read as "decisions ALERT, JS
    0.404": drift counted each kept span once."""
    baseline = slow_denials(traffic(5000, seed=1, deny_rate=0.1))
    current = Sampler(0.1).select(slow_denials(traffic(5000, seed=2, deny_rate=0.1)))
    assert {s.weight for s in current} == {1.0, 10.0}
    report = compare(baseline, current)
    assert report.severity is DriftSeverity.OK, report.alerts()
    decision, latency = feature(report, "decision"), feature(report, "latency_ms")
    # The tests see the effective sample size, below the spans kept: no weight inflates them.
    assert decision.n_current == latency.n_current < len(current)
    assert decision.n_baseline == latency.n_baseline == 5000  # unsampled: every span


def test_drift_in_sampled_spans_is_still_found() -> None:
    baseline = traffic(5000, seed=1, deny_rate=0.1)
    current = Sampler(0.1).select(slow_denials(traffic(5000, seed=2, deny_rate=0.3)))
    alerts = {f.feature for _, f in compare(baseline, current).alerts(DriftSeverity.ALERT)}
    assert {"decision", "latency_ms"} <= alerts


def denied_at_input(spans: list[SpanRecord]) -> list[SpanRecord]:
    """As the SDK sends a call denied before the model: no `charter.call_ms`, and a span
    that lasts the guard's 2 ms."""
    out = []
    for s in spans:
        if s.action == "deny":
            attrs = {k: v for k, v in s.attributes.items() if k != semconv.CALL_MS}
            s = replace(
                s, start_ns=s.end_ns - 2_000_000, attributes={**attrs, semconv.LATENCY_MS: 2.0}
            )
        out.append(s)
    return out


def test_more_denials_are_not_read_as_model_or_guard_latency() -> None:
    """Found by probing: 3% -> 25% of users asking a forbidden question, same model, read
    as "latency_ms ALERT" (source model): a denied call's span time counted as model time."""
    baseline = denied_at_input(traffic(600, seed=1, deny_rate=0.05))
    current = denied_at_input(traffic(600, seed=2, deny_rate=0.3))
    report = compare(baseline, current)
    assert feature(report, "decision").severity is DriftSeverity.ALERT
    latency, overhead = feature(report, "latency_ms"), feature(report, "guard_overhead_ms")
    assert latency.severity is overhead.severity is DriftSeverity.OK
    reached = sum(s.action != "deny" for s in current)
    assert latency.n_current == overhead.n_current == reached  # only calls the model answered
    assert report.by_source()["model"] is report.by_source()["service"] is DriftSeverity.OK
    plain = {
        k: v for k, v in current[0].attributes.items() if k not in (semconv.ACTION, semconv.CALL_MS)
    }
    assert replace(current[0], attributes=plain).model_ms == current[0].duration_ms


def test_non_call_spans_are_ignored() -> None:
    child = call_span(1, end_ns=1)
    child = type(child)(
        trace_id=child.trace_id, span_id="a" * 16, name="http", start_ns=0, end_ns=1
    )
    assert extract_features([child]).spans == 0


def test_psi_and_js_basics() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 5000)
    b, c, _ = histogram(a, rng.normal(0, 1, 5000), 10)
    assert psi(b, c) < 0.02
    b, c, labels = histogram(a, rng.normal(1, 1, 5000), 10)
    assert psi(b, c) > 0.25 and len(labels) == 10
    assert js_distance(np.array([5.0, 5.0]), np.array([5.0, 5.0])) == 0.0
    assert js_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)


def test_few_distinct_values_are_binned_by_value() -> None:
    base = np.array([1.0, 2.0, 3.0] * 100)
    cur = np.array([1.0, 2.0, 2.0] * 100)
    b, c, labels = histogram(base, cur, 10)
    assert labels == ["1", "2", "3"]
    assert list(b) == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert list(c) == pytest.approx([1 / 3, 2 / 3, 0.0])


def test_constant_baseline_still_detects_a_spread() -> None:
    base = [0.0] * 300
    cur = list(np.linspace(0, 1, 300))
    report = compare(
        [call_span(i, end_ns=i, signals={"jailbreak": v}) for i, v in enumerate(base)],
        [call_span(i, end_ns=i, signals={"jailbreak": v}) for i, v in enumerate(cur)],
    )
    assert feature(report, "signal.jailbreak").severity is DriftSeverity.ALERT


def test_report_is_json_ready() -> None:
    report = compare(traffic(300, seed=1), traffic(300, seed=2, token_mu=5.8))
    doc = json.loads(json.dumps(report.to_dict()))
    assert doc["severity"] == "alert"
    assert doc["alerts"][0]["feature"] == "input_tokens"
    tokens = next(f for f in doc["segments"][0]["features"] if f["feature"] == "input_tokens")
    assert tokens["metric"] == "PSI" and tokens["bins"][0].keys() == {
        "label",
        "baseline",
        "current",
    }


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="unknown group_by"):
        DriftConfig(group_by=("app", "colour"))
    with pytest.raises(ValueError, match="alert thresholds"):
        DriftConfig(psi_warn=0.3, psi_alert=0.2)


def test_windows() -> None:
    current = current_window(NOW, 900)
    baseline = trailing_baseline(NOW, 900, 4)
    assert current.end_ns == int(NOW * 1e9)
    assert current.end_ns - current.start_ns == 900 * 10**9
    assert baseline.end_ns == current.start_ns
    assert baseline.end_ns - baseline.start_ns == 3600 * 10**9


def _tables(base: list[float], cur: list[float], *names: str) -> tuple[FeatureTable, FeatureTable]:
    b, c = FeatureTable(), FeatureTable()
    for name in names:
        b.numeric[name] = list(base)
        c.numeric[name] = list(cur)
    return b, c


def test_a_real_but_tiny_shift_of_near_zero_scores_is_not_an_alarm() -> None:
    """Scores piled near zero: a 0.002 shift is real (KS p tiny) and PSI calls it huge, but
    no reviewer should be paged for it. The same numbers as latency do alert."""
    rng = np.random.default_rng(3)
    base = (rng.random(2000) * 0.01).tolist()
    cur = (rng.random(2000) * 0.01 + 0.002).tolist()
    tables = _tables(base, cur, "signal.jailbreak", "response_signal.harm", "guard_overhead_ms")
    verdicts = {f.feature: f for f in compare_tables(*tables, DriftConfig())}
    for name in ("signal.jailbreak", "response_signal.harm"):
        score = verdicts[name]
        assert score.severity is DriftSeverity.OK, score.reason
        assert score.score is not None and score.score > 0.25  # what PSI alone would say
        assert score.p_value is not None and score.p_value < 1e-6
        assert "moved only 0.002" in score.reason
    assert verdicts["guard_overhead_ms"].severity is DriftSeverity.ALERT
    no_floor = compare_tables(*tables, DriftConfig(score_shift_min=0))
    assert all(f.severity is DriftSeverity.ALERT for f in no_floor)


def test_a_score_shift_that_matters_still_alerts() -> None:
    rng = np.random.default_rng(4)
    base = (rng.random(500) * 0.05).tolist()
    cur = (rng.random(500) * 0.05 + 0.2).tolist()
    (verdict,) = compare_tables(*_tables(base, cur, "response_signal.jailbreak"), DriftConfig())
    assert verdict.severity is DriftSeverity.ALERT
    assert verdict.wasserstein == pytest.approx(0.2, abs=0.01)


def test_the_score_floor_is_a_checked_setting() -> None:
    with pytest.raises(ValueError):
        DriftConfig(score_shift_min=1.5)


def test_non_finite_numbers_from_an_exporter_are_no_samples() -> None:
    """Found by probing (stop 34): NaN, infinities or an absurd negative call time in a
    span's attributes went into the samples, so a drift report printed numpy warnings,
    `p-value nan` and the alert "KS p=nan < 0.001". They now count as absent."""
    from dataclasses import replace

    from charter import semconv

    def odd(index: int, call_ms: float, score: float) -> object:
        span = call_span(index, end_ns=10**9)
        attributes = {**span.attributes, semconv.CALL_MS: call_ms}
        attributes[semconv.SIGNAL_PREFIX + "jailbreak"] = score
        return replace(span, attributes=attributes)

    spans = [odd(1, float("nan"), float("inf")), odd(2, -1e308, float("-inf")), odd(3, 250.0, 0.1)]
    table = extract_features(spans)
    assert table.numeric["signal.jailbreak"] == [0.1]
    # No readable model time, no sample: a guarded call's span time is the guard's, too.
    assert table.numeric["latency_ms"] == [250.0]


def test_tiny_equal_weights_weigh_as_equal_ones() -> None:
    """Found by probing: spans all weighted 1e-200 (finite, over 0) failed the whole report
    with a ZeroDivisionError, the squared weights being zero. Only the weights' ratios
    matter to the effective size, so any equal weights give the plain result."""
    tiny = [replace(s, weight=1e-200) for s in traffic(300, seed=2)]
    assert effective_size(np.full(300, 1e-200)) == pytest.approx(300)
    plain = compare(traffic(300, seed=1), traffic(300, seed=2)).segments[0].features
    weighed = compare(traffic(300, seed=1), tiny).segments[0].features
    assert [(f.feature, f.severity, f.n_baseline, f.n_current) for f in weighed] == [
        (f.feature, f.severity, f.n_baseline, f.n_current) for f in plain
    ]
    assert [f.score for f in weighed] == pytest.approx([f.score for f in plain])
