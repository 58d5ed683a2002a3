"""Drift: per segment and feature, baseline vs current, with severity and an alert list.

The current window is the last `drift_window_s`; the baseline is either the windows right
before it (trailing), a window the operator pinned with `p` (kept in the span store, so it
outlives a restart until `t`), or one given to the console (`ConsoleContext.drift_baseline`,
which the current window never reaches back into). The stored pin is one per span store,
shared by every console on it: a console has no identity that survives its restart, and a
pin kept per process would be lost on restart again. So a pin adopted at mount says so.
Verdicts come from `monitor_tui.drift.compare`, the same function `charter drift report`
uses.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Label, Static

from charter import StoreError
from monitor_tui import format as fmt
from monitor_tui.drift import DriftReport, FeatureDrift, compare
from monitor_tui.drift_features import Window, current_window, trailing_baseline
from monitor_tui.screens.base import DataScreen
from monitor_tui.widgets.distribution import DistributionView
from monitor_tui.widgets.nav import NavBar
from monitor_tui.widgets.tables import Table, refill, selected_key


@dataclass(frozen=True)
class DriftData:
    report: DriftReport
    current: Window
    baseline: Window
    pinned: bool
    capped: bool


class DriftScreen(DataScreen[DriftData]):
    BINDINGS = [
        Binding("p", "pin", "Pin baseline"),
        Binding("t", "trailing", "Trailing baseline"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pinned: Window | None = None
        self.restored = False
        """The pin came from the span store: another console, or an earlier run, set it."""
        self._pin_wanted: str | None = None
        self._pin_lock = threading.Lock()
        self.features: dict[str, FeatureDrift] = {}
        self.report: DriftReport | None = None

    def refresh_interval(self) -> float:
        return self.ctx.drift_refresh_s

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("drift")
        yield Static(id="drift-info")
        yield Label("Alerts", classes="section")
        yield Table(id="alerts", cursor_type="none", show_cursor=False)
        yield Label("Features", classes="section")
        yield Table(id="features", cursor_type="row", zebra_stripes=True)
        yield DistributionView(id="feature-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#alerts", DataTable).add_columns("severity", "segment", "feature", "why")
        self.query_one("#features", DataTable).add_columns(
            "segment", "feature", "metric", "score", "p", "n base/cur", "severity", "shape"
        )
        try:
            self.pinned = _stored_pin(self.ctx.store.state(PIN_KEY))
        except StoreError:
            self.pinned = None  # the load that follows reports what is wrong with the store
        self.restored = self.pinned is not None
        super().on_mount()

    def load(self) -> DriftData:
        ctx = self.ctx
        now = ctx.clock()
        current = current_window(now, ctx.drift_window_s)
        given = None if self.pinned else ctx.drift_baseline
        if given is not None:
            current = Window(max(current.start_ns, given.end_ns), current.end_ns)
        baseline = (
            self.pinned
            or given
            or trailing_baseline(now, ctx.drift_window_s, ctx.drift_baseline_windows)
        )
        cap = ctx.drift_max_spans
        base_spans = ctx.store.calls_between(baseline.start_ns, baseline.end_ns, limit=cap)
        cur_spans = ctx.store.calls_between(current.start_ns, current.end_ns, limit=cap)
        report = compare(base_spans, cur_spans, ctx.drift_config)
        capped = cap in (len(base_spans), len(cur_spans))
        pinned = self.pinned is not None or given is not None
        return DriftData(report, current, baseline, pinned, capped)

    def show(self, data: DriftData) -> None:
        self.report = data.report
        self.query_one("#drift-info", Static).update(self._info(data))
        alerts = self.query_one("#alerts", DataTable)
        alerts.clear()
        for segment, feature in data.report.alerts():
            alerts.add_row(
                Text(feature.severity.value, style=fmt.severity_style(feature.severity.value)),
                segment.label,
                feature.feature,
                feature.reason,
            )
        if not alerts.row_count:
            alerts.add_row(Text("none", style="green"), "", "", "no feature over a threshold")
        self.features = {}
        rows = []
        for segment in data.report.segments:
            for feature in segment.features:
                key = f"{segment.label}|{feature.feature}"
                self.features[key] = feature
                rows.append((key, _feature_cells(segment.label, feature)))
        table = self.query_one("#features", DataTable)
        refill(table, rows)
        self._show_detail(selected_key(table))

    def _info(self, data: DriftData) -> Text:
        ctx = self.ctx
        text = Text()
        text.append("current ", style="dim")
        text.append(_span(data.current))
        text.append("   baseline ", style="dim")
        if data.pinned:
            text.append(f"pinned {_span(data.baseline)}", style="bold")
            if self.restored and self.pinned == data.baseline:  # a window pinned ends when set
                set_at = fmt.timestamp(data.baseline.end_ns / 1e9)
                text.append(f" · pin restored from the span store (set {set_at})", style="yellow")
        else:
            text.append(
                f"trailing {ctx.drift_baseline_windows} x {fmt.duration(ctx.drift_window_s)} "
                f"({_span(data.baseline)})"
            )
        report = data.report
        text.append(
            f"\n{report.baseline_spans} baseline / {report.current_spans} current calls · "
            f"min {ctx.drift_config.min_samples} per side · overall ",
            style="dim",
        )
        text.append(report.severity.value, style=fmt.severity_style(report.severity.value))
        text.append("\nwhat changed: ", style="dim")
        for i, (source, verdict) in enumerate(report.by_source().items()):
            text.append(" · " if i else "", style="dim")
            text.append(f"{source} ", style="dim")
            text.append(verdict.value, style=fmt.severity_style(verdict.value))
        if data.capped:
            text.append(f" · newest {ctx.drift_max_spans} calls per window", style="yellow")
        return text

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "features":
            self._show_detail(event.row_key.value)

    def _show_detail(self, key: str | None) -> None:
        self.query_one("#feature-detail", DistributionView).show(
            self.features.get(key) if key else None
        )

    def action_pin(self) -> None:
        ctx = self.ctx
        self.pinned, self.restored = current_window(ctx.clock(), ctx.drift_window_s), False
        self._keep_pin(f"{self.pinned.start_ns} {self.pinned.end_ns}")
        self.notify(f"Baseline pinned to {_span(self.pinned)}.")
        self.reload()

    def action_trailing(self) -> None:
        self.pinned, self.restored = None, False
        self.ctx.drift_baseline = None
        self._keep_pin(None)
        self.notify("Baseline: trailing windows (the stored pin is cleared for every console).")
        self.reload()

    def _keep_pin(self, value: str | None) -> None:
        self._pin_wanted = value
        self._store_pin()

    @work(thread=True, group="pin", exit_on_error=False)
    def _store_pin(self) -> None:
        """Store the pin off the event loop: another process holding the span store's write
        lock made the whole console freeze while it waited. The latest key press wins."""
        with self._pin_lock:
            value = self._pin_wanted
            try:
                self.ctx.store.set_state(PIN_KEY, value)
            except StoreError as exc:
                if value is None:
                    said = "The stored pin could not be cleared: it comes back when a console "
                    said += f"opens Drift on this span store ({exc})"
                else:
                    said = f"The pin holds for this session only ({exc})"
                self.app.call_from_thread(self.notify, said, severity="warning", timeout=10)


PIN_KEY = "drift.pinned_baseline"
"""The span store's console-state key of the pinned baseline: "<start_ns> <end_ns>"."""


def _stored_pin(value: str | None) -> Window | None:
    """The pinned window as stored, or None (none pinned, or not two integers)."""
    parts = (value or "").split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return Window(int(parts[0]), int(parts[1]))


def _span(window: Window) -> str:
    return f"{fmt.clock_time(window.start_ns)}-{fmt.clock_time(window.end_ns)} UTC"


def _feature_cells(segment: str, f: FeatureDrift) -> tuple[object, ...]:
    score = "-" if f.score is None else f"{f.score:.3f}"
    p_value = "-" if f.p_value is None else f"{f.p_value:.2g}"
    shape = Text()
    if f.baseline:
        top = max(max(f.baseline[:16]), max(f.current[:16]))
        shape.append(fmt.bars(f.baseline[:16], top), style="blue")
        shape.append(" ")
        shape.append(fmt.bars(f.current[:16], top), style="magenta")
    return (
        segment,
        f.feature,
        f.metric,
        score,
        p_value,
        f"{f.n_baseline}/{f.n_current}",
        Text(f.severity.value, style=fmt.severity_style(f.severity.value)),
        shape,
    )
