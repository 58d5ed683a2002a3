"""Live: the decision stream as it arrives, with rates, latency, top rules and ingest loss."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Label, Sparkline, Static

from monitor_tui import format as fmt
from monitor_tui.ingest.pipeline import IngestStats
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.live_stats import LiveStats, live_stats
from monitor_tui.screens.base import DataScreen
from monitor_tui.text import cell, plain
from monitor_tui.widgets.metric import Metric
from monitor_tui.widgets.nav import NavBar
from monitor_tui.widgets.tables import Table, refill, selected_key


@dataclass(frozen=True)
class LiveData:
    recent: list[SpanRecord]
    stats: LiveStats
    listening: str


class LiveScreen(DataScreen[LiveData]):
    BINDINGS = [
        Binding("enter", "open_trace", "Trace", show=True),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("live")
        with Horizontal(id="metrics"):
            yield Metric("decisions/min", id="m-rate")
            yield Metric("denied", id="m-deny")
            yield Metric("approval", id="m-approval")
            yield Metric("redacted", id="m-redact")
            yield Metric("p50 latency", id="m-p50")
            yield Metric("p95 latency", id="m-p95")
            yield Metric("dropped", id="m-dropped")
        yield Sparkline([], id="rate")
        with Horizontal(id="live-main"):
            yield Table(id="stream", cursor_type="row", zebra_stripes=True)
            with Vertical(id="live-side"):
                yield Label("Top rules", classes="section")
                yield Table(id="top-rules", cursor_type="none", show_cursor=False)
                yield Label("Ingest", classes="section")
                yield Static(id="ingest")
        yield Footer()

    def on_mount(self) -> None:
        stream = self.query_one("#stream", DataTable)
        stream.add_columns("time", "app", "model", "action", "rules", "latency")
        self.query_one("#top-rules", DataTable).add_columns("rule", "fired")
        super().on_mount()

    def load(self) -> LiveData:
        ctx = self.ctx
        now = ctx.now_ns()
        start = now - int(ctx.live_window_s * 1e9)
        summary = ctx.store.window_summary(start, now + 1)
        receiver = ctx.receiver
        return LiveData(
            recent=ctx.store.recent_calls(ctx.stream_rows),
            stats=live_stats(summary, receiver.stats() if receiver else None),
            listening=(
                f"{receiver.describe()}\napps send here with:\n{receiver.sender_line()}"
                if receiver and receiver.running
                else "not receiving"
            ),
        )

    def show(self, data: LiveData) -> None:
        self._show_metrics(data.stats)
        self._show_stream(data.recent)
        rules = self.query_one("#top-rules", DataTable)
        rules.clear()
        for rule, fired in data.stats.summary.top_rules:
            rules.add_row(rule, fmt.count(fired))
        self.query_one("#ingest", Static).update(_ingest_text(data.stats.ingest, data.listening))

    def _show_metrics(self, stats: LiveStats) -> None:
        self.query_one("#m-rate", Metric).show(f"{stats.per_minute:,.1f}")
        deny = stats.share("deny")
        self.query_one("#m-deny", Metric).show(f"{deny:.1%}", "bad" if deny > 0 else "")
        approval = stats.share("require_approval")
        self.query_one("#m-approval", Metric).show(f"{approval:.1%}", "warn" if approval else "")
        self.query_one("#m-redact", Metric).show(f"{stats.share('redact'):.1%}")
        self.query_one("#m-p50", Metric).show(fmt.ms(stats.p50_ms))
        self.query_one("#m-p95", Metric).show(fmt.ms(stats.p95_ms))
        dropped = stats.ingest.dropped if stats.ingest else 0
        self.query_one("#m-dropped", Metric).show(fmt.count(dropped), "bad" if dropped else "")
        self.query_one("#rate", Sparkline).data = list(stats.summary.timeline)

    def _show_stream(self, recent: list[SpanRecord]) -> None:
        refill(
            self.query_one("#stream", DataTable),
            (
                (
                    f"{span.trace_id}:{span.span_id}",
                    (
                        fmt.clock_time(span.end_ns),
                        span.app,
                        span.model,
                        cell(span.action or "", fmt.action_style(span.action)),
                        ", ".join(span.rules),
                        fmt.ms(span.call_ms),
                    ),
                )
                for span in recent
            ),
        )

    def action_open_trace(self) -> None:
        key = selected_key(self.query_one("#stream", DataTable))
        if key is None:
            self.notify("No decision selected.", severity="warning")
            return
        from monitor_tui.screens.trace import TraceScreen

        trace_id, span_id = key.split(":", 1)
        self.app.push_screen(TraceScreen(trace_id, focus_span=span_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "stream":
            self.action_open_trace()


def _ingest_text(stats: IngestStats | None, listening: str) -> Text:
    text = plain(listening + "\n", "dim")
    if stats is None:
        return text
    rows = (
        ("received", stats.received, ""),
        ("stored", stats.stored, ""),
        ("buffered", stats.buffered, ""),
        ("sampled out", stats.sampled_out, ""),
        ("dropped", stats.dropped, "bold red" if stats.dropped else ""),
        ("rejected requests", stats.rejected_requests, "yellow" if stats.rejected_requests else ""),
        ("rejected spans", stats.rejected_spans, "yellow" if stats.rejected_spans else ""),
        ("saturated (503)", stats.saturated_requests, "yellow" if stats.saturated_requests else ""),
    )
    for label, value, style in rows:
        text.append(f"{label:<18}{fmt.count(value):>9}\n", style=style)
    return text
