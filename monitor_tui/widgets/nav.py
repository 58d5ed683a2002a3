"""The top line of every main screen: where you are and the keys to go elsewhere."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

SCREENS = (
    ("1", "live", "Live"),
    ("2", "approvals", "Approvals"),
    ("3", "drift", "Drift"),
    ("4", "policies", "Policies"),
    ("5", "probes", "Probes"),
)


class NavBar(Static):
    def __init__(self, current: str) -> None:
        super().__init__(classes="nav")
        self.current = current

    def render(self) -> Text:
        text = Text()
        for key, mode, title in SCREENS:
            style = "bold reverse" if mode == self.current else ""
            text.append(f" {key} {title} ", style=style)
            text.append(" ")
        text.append("  ? Help  q Quit", style="dim")
        return text
