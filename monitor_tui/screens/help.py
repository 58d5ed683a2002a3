"""Help: every key of the console, by screen."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Everywhere",
        (
            ("1 2 3 4 5", "Live, Approvals, Drift, Policies, Probes"),
            ("?", "this help"),
            ("F5", "refresh the screen now"),
            ("q / ctrl+q", "quit"),
        ),
    ),
    (
        "Live",
        (
            ("↑ ↓", "move in the decision stream"),
            ("enter", "open the trace of the selected decision"),
        ),
    ),
    ("Trace", (("escape", "back"),)),
    (
        "Approvals",
        (
            ("a", "approve the selected request (reason optional)"),
            ("r", "reject the selected request (reason required)"),
            ("f", "pending only / all states"),
        ),
    ),
    (
        "Drift",
        (
            ("p", "pin the current window as the baseline"),
            ("t", "back to a trailing baseline"),
        ),
    ),
    ("Policies", (("v", "cycle the policy revision the counts are for"),)),
    ("Probes", (("↑ ↓", "move in the series and runs (`charter probe` sends them)"),)),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close"),
        Binding("q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Label("Charter console: keys", classes="title")
            yield Static(_keys_table())
            yield Static(
                "Decisions arrive over OTLP (HTTP 4318, gRPC 4317). Telemetry carries entity "
                "types and counts, never prompt text or personal data.",
                classes="dim",
            )


def _keys_table() -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    for section, keys in KEYS:
        table.add_row(f"[u]{section}[/u]", "")
        for key, what in keys:
            table.add_row(key, what)
        table.add_row("", "")
    return table
