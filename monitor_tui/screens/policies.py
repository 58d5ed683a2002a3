"""Policies: every rule of the bundle with how often it fired per policy revision, the rules
that never fired, and the rule's explanation from its `# METADATA` annotation."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Static

from charter import CharterError
from monitor_tui import format as fmt
from monitor_tui.policies import PolicyCatalog, RuleRow, load_catalog, rule_rows
from monitor_tui.screens.base import DataScreen
from monitor_tui.text import safe
from monitor_tui.widgets.nav import NavBar
from monitor_tui.widgets.tables import Table, refill, selected_key

SEVERITY_STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "green"}


@dataclass(frozen=True)
class PoliciesData:
    rows: list[RuleRow]
    revisions: list[str]
    catalog: PolicyCatalog | None
    catalog_error: str = ""


class PoliciesScreen(DataScreen[PoliciesData]):
    BINDINGS = [
        Binding("v", "next_revision", "Revision"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.revision: str | None = None
        """The revision whose counts the `fired` column shows; None: all revisions."""
        self.data: PoliciesData | None = None
        self._catalog_error = ""

    def refresh_interval(self) -> float:
        return max(5.0, self.ctx.refresh_s)

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("policies")
        yield Static(id="policy-info")
        with Horizontal(id="policies-main"):
            yield Table(id="rules", cursor_type="row", zebra_stripes=True)
            yield Static(id="rule-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rules", DataTable).add_columns(
            "rule", "severity", "fired", "all revisions", "status"
        )
        super().on_mount()

    def load(self) -> PoliciesData:
        ctx = self.ctx
        if ctx.catalog is None and ctx.policies_source and not self._catalog_error:
            try:
                ctx.catalog = load_catalog(ctx.policies_source)
            except CharterError as exc:  # still show what fired; say why the bundle is missing
                self._catalog_error = str(exc)
        counts = ctx.store.rule_counts()
        return PoliciesData(
            rule_rows(ctx.catalog, counts),
            ctx.store.revisions(),
            ctx.catalog,
            self._catalog_error,
        )

    def show(self, data: PoliciesData) -> None:
        self.data = data
        if self.revision is not None and self.revision not in data.revisions:
            self.revision = None
        self.query_one("#policy-info", Static).update(self._info(data))
        refill(
            self.query_one("#rules", DataTable),
            ((row.info.rule_id, self._cells(row)) for row in data.rows),
        )
        self._show_detail(selected_key(self.query_one("#rules", DataTable)))

    def _info(self, data: PoliciesData) -> Text:
        text = Text()
        catalog = data.catalog
        if catalog is None and data.catalog_error:
            text.append(f"Policy bundle not loaded: {safe(data.catalog_error)}\n", style="red")
            text.append("Rules listed are those seen in traffic.", style="dim")
        elif catalog is None:
            text.append("No policy bundle loaded: rules are those seen in traffic. ", style="dim")
            text.append("Start with --policies DIR to list rules that never fired.", style="dim")
        else:
            never = sum(1 for r in data.rows if r.known and not r.count())
            text.append(safe(f"bundle {fmt.path(catalog.source)} · revision {catalog.revision} · "))
            text.append(f"{len(catalog.rules)} rules, ")
            text.append(f"{never} never fired", style="yellow" if never else "green")
        shown = safe(self.revision or "all revisions", one_line=True)
        text.append(f"\nfired: counts for {shown}", style="dim")
        if data.revisions:
            seen = safe(", ".join(data.revisions), one_line=True)
            text.append(f" (seen: {seen}; v to switch)", style="dim")
        return text

    def _cells(self, row: RuleRow) -> tuple[object, ...]:
        total = row.count()
        fired = row.count(self.revision)
        if not row.known:
            status = Text("not in bundle", style="magenta")
        elif total == 0:
            status = Text("never fired", style="yellow")
        else:
            status = Text("fired", style="green")
        severity = row.info.severity
        return (
            row.info.rule_id,
            Text(severity or "-", style=SEVERITY_STYLES.get(severity, "dim")),
            fmt.count(fired),
            fmt.count(total),
            status,
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.row_key.value)

    def _show_detail(self, rule_id: str | None) -> None:
        detail = self.query_one("#rule-detail", Static)
        row = next(
            (r for r in (self.data.rows if self.data else []) if r.info.rule_id == rule_id), None
        )
        if row is None:
            detail.update(Text("Select a rule.", style="dim"))
            return
        info = row.info
        text = Text()
        text.append(f"{safe(info.title or info.rule_id, one_line=True)}\n", style="bold")
        text.append(f"{safe(info.rule_id, one_line=True)}\n", style="dim")
        if info.description:
            text.append(f"\n{safe(info.description)}\n")
        for label, value in (
            ("principle", info.principle),
            ("severity", info.severity),
            ("owner", info.owner),
            ("defined at", info.location),
        ):
            if value:
                text.append(f"\n{label}: ", style="dim")
                text.append(safe(value))
        if not row.known:
            text.append(
                "\nThis rule id is not in the loaded bundle (renamed, removed, or "
                "from another bundle).",
                style="magenta",
            )
        text.append("\n\nfired per revision:", style="dim")
        for revision, count in sorted(row.fired.items(), key=lambda kv: -kv[1]):
            text.append(f"\n  {safe(revision or '(none)', one_line=True)}: {fmt.count(count)}")
        if not row.fired:
            text.append("\n  never, in the stored spans", style="yellow")
        detail.update(text)

    def action_next_revision(self) -> None:
        revisions = self.data.revisions if self.data else []
        if not revisions:
            self.notify("No policy revisions seen in the stored spans yet.")
            return
        order: list[str | None] = [None, *revisions]
        self.revision = order[(order.index(self.revision) + 1) % len(order)]
        if self.data is not None:
            self.show(self.data)
