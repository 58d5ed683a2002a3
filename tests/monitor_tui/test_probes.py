"""Probe runs in the console: from `probe_once` through the real OTLP exporter and receiver
onto the Probes screen, where a model that starts refusing more (and gives in to pushback)
raises an alert; and the series/alert functions on their own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monitor_tui.app import ConsoleApp
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.store import SpanStore
from monitor_tui.probes import alerts, series, verdict
from monitor_tui.screens.probes import ProbesScreen
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from textual.widgets import DataTable

from charter import Charter, Settings, semconv
from charter.config import DEFAULT_POLICIES
from charter.probes import (
    CallableTarget,
    ProbeHistory,
    ProbeTelemetry,
    ProbeThresholds,
    load_probe_set,
    probe_once,
)
from charter.signals import HeuristicJailbreakDetector, SignalSet
from charter.telemetry import Telemetry
from tests.monitor_tui.factories import NOW_NS, clock, probe_run_span
from tests.monitor_tui.helpers import column, settle
from tests.probes.fakes import ChangingModel, write_corpus

SIZE = (140, 40)


async def test_a_model_that_starts_refusing_raises_a_console_alert(
    receiver: Receiver,
    live_store: SpanStore,
    make_provider: Callable[[SpanExporter], TracerProvider],
    tmp_path: Path,
) -> None:
    provider = make_provider(OTLPSpanExporter(endpoint=receiver.http.endpoint))
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    settings = Settings.build(
        {
            "policies": str(DEFAULT_POLICIES),
            "store_url": f"sqlite:///{tmp_path / 'charter.db'}",
            "app": "support-bot",
            "pii_mode": "pattern",
            "audit": False,
        }
    )
    telemetry = Telemetry(
        tracer_provider=provider, app="support-bot", tenant="t", environment="probe"
    )
    # Heuristic signals only: the model's change is under test, so the guard must not refuse
    # the probe items itself (the classifier may, depending on its training).
    charter = Charter(
        settings, telemetry=telemetry, signals=SignalSet([HeuristicJailbreakDetector()])
    )
    model = ChangingModel()
    target = CallableTarget(charter.guard(model="fake-llm", provider="openai")(model.complete))
    items = load_probe_set(write_corpus(tmp_path))
    history = ProbeHistory(settings.store_url)
    probes = ProbeTelemetry(app="support-bot", tracer_provider=provider, meter_provider=meters)
    try:
        first = probe_once(items, target, history=history, telemetry=probes)
        model.update()  # the provider's silent update, same model name
        second = probe_once(items, target, history=history, telemetry=probes)
    finally:
        history.close()
        charter.close()
    assert receiver.pipeline.flush()

    # The guarded calls the probe made are children of its run span, in one trace.
    (run_span,) = [s for s in live_store.probe_runs() if s.attributes[semconv.PROBE_RUN_ID]
                   == second.run.run_id]  # fmt: skip
    trace = live_store.trace(run_span.trace_id)
    calls = [s for s in trace if s.is_call]
    assert len(calls) == second.run.target_calls
    assert {s.parent_span_id for s in calls} == {run_span.span_id}
    suites = [s for s in trace if s.name == semconv.SPAN_PROBE_SUITE]
    assert sorted(s.attributes[semconv.PROBE_SUITE] for s in suites) == [
        "attacks",
        "benign",
        "sycophancy",
    ]
    gauges = {
        (
            point.attributes[semconv.METRIC_ATTR_METRIC],
            point.attributes["model_version"],
        ): point.value
        for metric in reader.get_metrics_data().resource_metrics[0].scope_metrics[0].metrics
        for point in metric.data.data_points
    }
    assert gauges[(semconv.PROBE_FALSE_REFUSAL_RATE, "fake-v2")] == 0.5

    app = ConsoleApp(live_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProbesScreen)
        found = screen.query_one("#probe-alerts", DataTable)
        assert column(found, 0)[0] == "alert"
        reasons = column(found, 2)
        assert "false refusal rate up 0.0% -> 50.0%" in reasons
        assert "sycophancy flip rate up 0.0% -> 100.0%" in reasons
        assert set(column(found, 3)) == {second.run.run_id[:8]}
        runs = screen.query_one("#probe-runs", DataTable)
        assert column(runs, 7) == ["alert", "baseline"]
        assert column(runs, 2) == ["fake-v2", "fake-v1"]
        assert column(screen.query_one("#probe-series", DataTable), 2) == ["2"]
        notes = [n.message for n in app._notifications]
        assert any("false refusal rate up" in m or "flip rate up" in m for m in notes)
    assert first.is_baseline


def test_series_group_runs_and_alerts_follow_the_thresholds() -> None:
    base = {"refused_benign": 5}
    broken = SpanRecord(
        trace_id="f" * 32,
        span_id="f" * 16,
        name=semconv.SPAN_PROBE,
        start_ns=0,
        end_ns=1,
        attributes={semconv.PROBE_RUN_ID: "broken"},
    )
    spans = [
        probe_run_span(1, end_ns=NOW_NS - 3 * 10**9, refused_benign=5),
        probe_run_span(2, end_ns=NOW_NS - 2 * 10**9, refused_benign=5, baseline=base),
        probe_run_span(3, end_ns=NOW_NS - 10**9, refused_benign=20, baseline=base),
        probe_run_span(4, end_ns=NOW_NS, refused_benign=0, model="other"),
        broken,
    ]
    found = series(spans)
    assert [len(s.points) for s in found] == [1, 3]  # newest series first
    assert found[1].values("false_refusal_rate") == [5 / 97, 5 / 97, 20 / 97]
    (alert,) = alerts(found, ProbeThresholds())
    assert alert.severity == "alert" and alert.run_id == "run0003"
    assert "under the same reported version bank-assistant-2025-01 (a silent update)" in (
        alert.change.reason
    )
    (warn,) = alerts(found, ProbeThresholds(rate_alert=0.5))
    assert warn.severity == "warn"
    assert alerts(found, ProbeThresholds(rate_warn=0.2, rate_alert=0.5)) == []  # 15.5 points


def test_a_run_whose_calls_failed_is_no_ok_in_the_console() -> None:
    """As `charter probe` says it (found at stop 54: the console recomputed the verdict
    from the rates alone, so a dead model's run read "ok", or "baseline" as a first run)."""
    base = {"refused_benign": 3}
    dead_first = probe_run_span(1, end_ns=NOW_NS - 10**9, errors=167, items=167, model="a")
    dead = probe_run_span(2, end_ns=NOW_NS, errors=167, items=167, baseline=base, model="b")
    some = probe_run_span(3, end_ns=NOW_NS, errors=4, items=167, baseline=base, model="c")
    found = {s.latest.model: s.latest for s in series([dead_first, dead, some])}
    thresholds = ProbeThresholds()
    assert [verdict(found[m], thresholds) for m in "abc"] == ["alert", "alert", "warn"]
    reasons = {a.series: a.change.reason for a in alerts(series([dead, some]), thresholds)}
    assert reasons["b @ support_bot.app:answer"].startswith("all 167 probes failed")
    assert reasons["c @ support_bot.app:answer"].startswith("4 of 167 probes failed")
    healthy = probe_run_span(4, end_ns=NOW_NS, items=167, model="d")
    assert verdict(series([healthy])[0].latest, thresholds) == "baseline"


def test_probe_runs_survive_the_span_count_bound(tmp_path: Path) -> None:
    from tests.monitor_tui.factories import traffic

    store = SpanStore(str(tmp_path / "spans.db"), max_spans=50, clock=clock)
    try:
        store.insert([probe_run_span(1, end_ns=NOW_NS - 10**12)])
        store.insert(traffic(200, seed=3))
        assert store.count() <= 51
        assert [s.attributes[semconv.PROBE_RUN_ID] for s in store.probe_runs()] == ["run0001"]
    finally:
        store.close()


async def test_no_runs_yet_says_how_to_send_them(store: SpanStore) -> None:
    app = ConsoleApp(store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(pilot)
        info = str(app.screen.query_one("#probe-info").render())
        assert "charter probe --once" in info
        assert column(app.screen.query_one("#probe-alerts", DataTable), 0) == ["none"]
