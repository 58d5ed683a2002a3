"""Approve or reject one request: shows what is being decided and asks for the reason."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from monitor_tui.text import cell

ReviewerChoice = Literal["approve", "reject"]


class DecideDialog(ModalScreen[str | None]):
    """Dismisses with the reason (possibly "" for an approval), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, *, request_id: str, rule: str, verdict: ReviewerChoice, reviewer: str
    ) -> None:
        super().__init__()
        self.request_id = request_id
        self.rule = rule
        self.verdict = verdict
        self.reviewer = reviewer

    def compose(self) -> ComposeResult:
        verb = "Approve" if self.verdict == "approve" else "Reject"
        with Vertical(id="decide", classes=self.verdict):
            yield Label(cell(f"{verb} request {self.request_id}"), classes="title")
            yield Static(cell(f"rule {self.rule} · deciding as {self.reviewer}"), classes="dim")
            placeholder = "reason (optional)" if self.verdict == "approve" else "reason (required)"
            yield Input(placeholder=placeholder, id="reason", max_length=500)
            yield Label("", id="decide-error")
            with Horizontal(classes="buttons"):
                yield Button(
                    verb, id="confirm", variant="success" if self.verdict == "approve" else "error"
                )
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm":
            self._confirm()
        else:
            self.dismiss(None)

    def _confirm(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if self.verdict == "reject" and not reason:
            self.query_one("#decide-error", Label).update(
                "A rejection needs a reason so the requester knows why."
            )
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
