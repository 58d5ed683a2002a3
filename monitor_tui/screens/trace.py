"""Trace detail: every stored span of one trace as a tree, with the attributes of the
selected span (decision, rules, PII types and counts, signals, approval, timings)."""

from __future__ import annotations

import json
from collections import defaultdict

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Label, Tree
from textual.widgets.tree import TreeNode

from monitor_tui import format as fmt
from monitor_tui.ingest.records import STATUS_ERROR, SpanRecord
from monitor_tui.screens.base import DataScreen
from monitor_tui.text import cell
from monitor_tui.widgets.tables import Table

MAX_VALUE = 120


class TraceScreen(DataScreen[list[SpanRecord]]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, trace_id: str, *, focus_span: str | None = None) -> None:
        super().__init__()
        self.trace_id = trace_id
        self.focus_span = focus_span
        self.spans: dict[str, SpanRecord] = {}

    def refresh_interval(self) -> float:
        return max(5.0, self.ctx.refresh_s)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(cell(f"Trace {self.trace_id}"), id="trace-title", classes="section")
        with Horizontal(id="trace-main"):
            yield Tree("spans", id="trace-tree")
            yield Table(id="attributes", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#attributes", DataTable).add_columns("attribute", "value")
        self.query_one("#trace-tree", Tree).focus()
        super().on_mount()

    def load(self) -> list[SpanRecord]:
        return self.ctx.store.trace(self.trace_id)

    def show(self, data: list[SpanRecord]) -> None:
        if {s.span_id for s in data} == set(self.spans):
            return  # nothing new: keep the reader's place in the tree
        self.spans = {s.span_id: s for s in data}
        tree: Tree[str] = self.query_one("#trace-tree", Tree)
        tree.clear()
        tree.root.label = Text(
            f"{len(data)} span{'s' if len(data) != 1 else ''}"
            if data
            else "no spans stored for this trace"
        )
        children: dict[str, list[SpanRecord]] = defaultdict(list)
        for span in data:
            parent = span.parent_span_id if span.parent_span_id in self.spans else ""
            children[parent].append(span)
        focus: TreeNode[str] | None = None

        def add(node: TreeNode[str], parent_id: str) -> None:
            nonlocal focus
            for span in children.get(parent_id, []):
                child = node.add(_label(span), data=span.span_id, expand=True)
                if span.span_id == self.focus_span:
                    focus = child
                add(child, span.span_id)

        add(tree.root, "")
        tree.root.expand()
        target = focus or (tree.root.children[0] if tree.root.children else None)
        if target is not None:
            # Node lines exist only after the tree lays out; move there on the next refresh.
            self.call_after_refresh(tree.move_cursor, target)
            self._show_attributes(str(target.data))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        if event.node.data:
            self._show_attributes(event.node.data)

    def _show_attributes(self, span_id: str) -> None:
        span = self.spans.get(span_id)
        table = self.query_one("#attributes", DataTable)
        table.clear()
        if span is None:
            return
        basics = {
            "name": span.name,
            "service": span.service,
            "span id": span.span_id,
            "started": fmt.clock_time(span.start_ns),
            "duration": fmt.ms(span.duration_ms),
            "status": "error" if span.status_code == STATUS_ERROR else "ok",
        }
        if span.weight != 1.0:
            basics["sample weight"] = f"{span.weight:g}"
        for key, value in basics.items():
            table.add_row(Text(key, style="bold"), value)
        for key in sorted(span.attributes):
            table.add_row(key, _value(span.attributes[key]))


def _label(span: SpanRecord) -> Text:
    text = cell(span.name)
    text.append(f"  {fmt.ms(span.duration_ms)}", style="dim")
    if span.action:
        text.append_text(cell(f"  {span.action}", fmt.action_style(span.action)))
    if span.status_code == STATUS_ERROR:
        text.append("  error", style="bold red")
    return text


def _value(value: object) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= MAX_VALUE else shown[: MAX_VALUE - 1] + "…"
