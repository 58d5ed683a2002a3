"""Model and revision changes (`monitor_tui.drift_changes`): a swap is flagged, steady
traffic spread over several models and a canary ramp are not."""

from __future__ import annotations

import numpy as np
from monitor_tui.drift import DriftReport, DriftSeverity, compare
from monitor_tui.ingest.records import SpanRecord

from tests.monitor_tui.factories import traffic

VERSIONS = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "claude": "claude-3-5-sonnet",
    "gpt-4.1": "gpt-4.1-2025-04-14",
}


class Calls:
    """Calls of one model at a time, each batch with its own span ids and seed."""

    def __init__(self) -> None:
        self.index = 0

    def __call__(
        self, n: int, model: str, *, app: str = "support-bot", deny_rate: float = 0.05
    ) -> list[SpanRecord]:
        self.index += 1
        return traffic(
            n,
            seed=self.index,
            model=model,
            version=VERSIONS[model],
            app=app,
            deny_rate=deny_rate,
            first_index=self.index * 100_000,
        )


def changes(report: DriftReport) -> list[str]:
    return [f"{s.label} | {f.feature}" for s, f in report.alerts() if "_change" in f.feature]


def test_steady_traffic_over_several_models_is_no_change() -> None:
    """Found by probing: each segment was judged alone against 200 calls, so a model that
    served 205 calls and then 195, beside one going 195 -> 205, read as "model changed
    gpt-4o-mini -> claude" (and a model_version alert comparing two different models)."""
    calls = Calls()
    noise = compare(
        calls(900, "gpt-4o") + calls(205, "gpt-4o-mini") + calls(195, "claude"),
        calls(900, "gpt-4o") + calls(195, "gpt-4o-mini") + calls(205, "claude"),
    )
    assert changes(noise) == []
    assert noise.severity is DriftSeverity.OK
    # A canary ramp: the old model keeps serving, so it is no change (README).
    canary = compare(
        calls(350, "gpt-4o") + calls(150, "gpt-4.1"), calls(199, "gpt-4o") + calls(301, "gpt-4.1")
    )
    assert changes(canary) == []
    # Many unchanged apps, each model's volume varying as counts do.
    rng = np.random.default_rng(7)
    base: list[SpanRecord] = []
    cur: list[SpanRecord] = []
    for app in range(10):
        for model, mean in (("gpt-4o", 800), ("gpt-4o-mini", 200), ("claude", 200)):
            base += calls(int(rng.poisson(mean)), model, app=f"app{app}")
            cur += calls(int(rng.poisson(mean)), model, app=f"app{app}")
    assert changes(compare(base, cur)) == []


def test_a_swap_to_an_ab_split_is_a_change_of_the_pooled_calls() -> None:
    """Found by probing: gpt-4o replaced by an A/B split of gpt-4.1 and claude (150 calls
    each, all denied) read "not enough data": neither new model had 200 calls alone."""
    calls = Calls()
    split = calls(150, "gpt-4.1", deny_rate=1.0) + calls(150, "claude", deny_rate=1.0)
    report = compare(calls(300, "gpt-4o"), split)
    label = "app=support-bot / environment=prod / model=gpt-4o -> claude, gpt-4.1 / revision=rev-a"
    assert changes(report) == [f"{label} | model_change"]
    assert ("decision", DriftSeverity.ALERT) in {
        (f.feature, f.severity) for s, f in report.alerts() if s.label == label
    }
    # The reverse: two old models (150 each) replaced by one.
    merged = compare(calls(150, "gpt-4.1") + calls(150, "claude"), calls(300, "gpt-4o"))
    assert changes(merged) == [
        "app=support-bot / environment=prod / model=claude, gpt-4.1 -> gpt-4o / revision=rev-a"
        " | model_change"
    ]
    # Still too few calls on a side together: no change is made up from them.
    assert changes(compare(calls(150, "gpt-4o"), calls(150, "gpt-4.1"))) == []
