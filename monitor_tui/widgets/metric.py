"""A labelled number on the Live screen (decisions/min, deny share, p95, drops)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class Metric(Static):
    value: reactive[str] = reactive("-")
    level: reactive[str] = reactive("")
    """"", "warn" or "bad": adds a CSS class so the stylesheet decides the colour."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="metric")
        self.label = label

    def render(self) -> Text:
        return Text.assemble((self.value, "bold"), "\n", (self.label, "dim"))

    def watch_level(self, old: str, new: str) -> None:
        if old:
            self.remove_class(old)
        if new:
            self.add_class(new)

    def show(self, value: str, level: str = "") -> None:
        self.value = value
        self.level = level
