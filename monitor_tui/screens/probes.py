"""Probes: scheduled model probes (`charter probe`) as series, with an alert when a model
behaves differently from its baseline (a silent update under the same name).

Alerts first (the newest run of each series against its baseline), then one row per series
with a spark line per rate over its runs, then the runs themselves. A new alert also pops a
notification, once per run.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Label, Static

from monitor_tui import format as fmt
from monitor_tui.probes import ProbeAlert, ProbeSeries, alerts, series, verdict
from monitor_tui.screens.base import DataScreen
from monitor_tui.widgets.nav import NavBar
from monitor_tui.widgets.tables import Table, refill

_RATES = (
    ("refusal_rate", "refusal (attacks)"),
    ("false_refusal_rate", "false refusal"),
    ("flip_rate", "flip"),
    ("drift", "drift"),
)
_SPARK = 8
"""Runs per spark line (the newest)."""


@dataclass(frozen=True)
class ProbeData:
    series: list[ProbeSeries]
    alerts: list[ProbeAlert]


class ProbesScreen(DataScreen[ProbeData]):
    def __init__(self) -> None:
        super().__init__()
        self._notified: set[str] = set()

    def refresh_interval(self) -> float:
        return self.ctx.drift_refresh_s

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("probes")
        yield Static(id="probe-info")
        yield Label("Alerts", classes="section")
        yield Table(id="probe-alerts", cursor_type="none", show_cursor=False)
        yield Label("Series (oldest to newest run)", classes="section")
        yield Table(id="probe-series", cursor_type="none", show_cursor=False)
        yield Label("Runs", classes="section")
        yield Table(id="probe-runs", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#probe-alerts", DataTable).add_columns(
            "severity", "model", "what changed", "run"
        )
        self.query_one("#probe-series", DataTable).add_columns(
            "model", "target", "runs", "version", *(title for _, title in _RATES)
        )
        self.query_one("#probe-runs", DataTable).add_columns(
            "ended", "model", "version", "refusal", "false ref.", "flip", "drift", "verdict"
        )
        super().on_mount()

    def load(self) -> ProbeData:
        ctx = self.ctx
        found = series(ctx.store.probe_runs(limit=ctx.probe_runs))
        return ProbeData(found, alerts(found, ctx.probe_thresholds))

    def show(self, data: ProbeData) -> None:
        self.query_one("#probe-info", Static).update(self._info(data))
        table = self.query_one("#probe-alerts", DataTable)
        table.clear()
        for alert in data.alerts:
            table.add_row(
                Text(alert.severity, style=fmt.severity_style(alert.severity)),
                alert.series,
                alert.change.reason,
                fmt.short(alert.run_id),
            )
        if not table.row_count:
            table.add_row(Text("none", style="green"), "", "no change beyond the thresholds", "")
        refill(
            self.query_one("#probe-series", DataTable),
            [("|".join(s.latest.key), _series_cells(s)) for s in data.series],
        )
        thresholds = self.ctx.probe_thresholds
        runs = sorted(
            (p for s in data.series for p in s.points), key=lambda p: p.end_ns, reverse=True
        )
        refill(
            self.query_one("#probe-runs", DataTable),
            [
                (
                    p.run_id,
                    (
                        fmt.clock_time(p.end_ns),
                        p.model,
                        p.version,
                        _percent(p.metrics.refusal_rate),
                        _percent(p.metrics.false_refusal_rate),
                        _percent(p.metrics.flip_rate),
                        "-" if p.metrics.drift is None else f"{p.metrics.drift:.3f}",
                        _verdict(verdict(p, thresholds)),
                    ),
                )
                for p in runs
            ],
        )
        self._notify_new(data.alerts)

    def _info(self, data: ProbeData) -> Text:
        text = Text()
        runs = sum(len(s.points) for s in data.series)
        if not runs:
            text.append(
                "No probe runs received yet. Run `charter probe --once` (or --every 6h) with "
                "OTLP pointed at this console.",
                style="dim",
            )
            return text
        t = self.ctx.probe_thresholds
        text.append(f"{runs} runs of {len(data.series)} model(s)", style="bold")
        text.append(
            f" · alert when a rate moves {t.rate_alert:.0%} (warn {t.rate_warn:.0%}) over at "
            f"least {t.min_items} probes, or answers drift {t.drift_alert:.2f} "
            f"(warn {t.drift_warn:.2f}) from the baseline's",
            style="dim",
        )
        return text

    def _notify_new(self, found: list[ProbeAlert]) -> None:
        for alert in found:
            if alert.severity != "alert" or alert.run_id in self._notified:
                continue
            self._notified.add(alert.run_id)
            self.notify(
                f"{alert.series}: {alert.change.reason}",
                title="Model behaviour changed",
                severity="error",
                timeout=15,
            )


def _series_cells(s: ProbeSeries) -> tuple[object, ...]:
    latest = s.latest
    changed = len(s.versions) > 1
    version = Text(latest.version, style="bold yellow" if changed else "")
    cells: list[object] = [latest.model, latest.target, len(s.points), version]
    for metric, _ in _RATES:
        values = s.values(metric)[-_SPARK:]
        spark = Text(fmt.bars([v or 0.0 for v in values], 1.0), style="magenta")
        last = values[-1]
        spark.append(" " + (_percent(last) if metric != "drift" else _drift(last)))
        cells.append(spark)
    return tuple(cells)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _drift(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _verdict(value: str) -> Text:
    style = fmt.severity_style(value) if value != "baseline" else "bold"
    return Text(value, style=style)
