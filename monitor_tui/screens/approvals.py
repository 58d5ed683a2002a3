"""Approvals: the reviewer's inbox. Pending requests with the time left, the rule that
asked, M-of-N progress and the redacted action; approve or reject with a reason as the
reviewer the console was started for (`--reviewer`). Without one the inbox is read-only.
With a reviewer, the pending view lists only what they may decide (the queue's own check)
and counts the requests that wait for other reviewers; `f` shows every request."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from charter import CharterError
from monitor_tui import format as fmt
from monitor_tui.dialogs.decide import DecideDialog, ReviewerChoice
from monitor_tui.screens.base import DataScreen
from monitor_tui.text import safe
from monitor_tui.widgets.nav import NavBar
from monitor_tui.widgets.tables import Table, refill, selected_key

if TYPE_CHECKING:
    from charter.approvals import ApprovalRequest

MAX_ACTION_CHARS = 4000
LIMIT = 200
"""Requests the inbox shows at most."""
STATE_STYLES = {
    "pending": "yellow",
    "approved": "green",
    "rejected": "red",
    "expired": "dim",
    "cancelled": "dim",
}


@dataclass(frozen=True)
class InboxData:
    requests: list[ApprovalRequest]
    now: float
    for_others: int = 0
    """Pending requests left out: the reviewer may not decide them."""
    complete: bool = True
    """False: the reviewer's inbox reached `LIMIT`; older pending requests were not read."""


class ApprovalsScreen(DataScreen[InboxData]):
    BINDINGS = [
        Binding("a", "decide('approve')", "Approve"),
        Binding("r", "decide('reject')", "Reject"),
        Binding("f", "toggle_filter", "Pending/all"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_all = False
        self.requests: dict[str, ApprovalRequest] = {}
        self.now = 0.0

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("approvals")
        yield Static(id="inbox-info")
        with Horizontal(id="approvals-main"):
            yield Table(id="inbox", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="request-pane"):
                yield Static(id="request-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#inbox", DataTable).add_columns(
            "request", "rule", "app", "votes", "expires in", "state"
        )
        super().on_mount()

    def load(self) -> InboxData:
        queue = self.ctx.queue
        if queue is None:
            return InboxData([], self.ctx.clock())
        reviewer = self.ctx.reviewer
        if self.show_all or not reviewer:
            requests = queue.list(None if self.show_all else "pending", limit=LIMIT)
            return InboxData(requests, self.ctx.clock())
        inbox = queue.inbox(reviewer, limit=LIMIT)
        return InboxData(inbox.requests, self.ctx.clock(), inbox.for_others, inbox.complete)

    def show(self, data: InboxData) -> None:
        self.now = data.now
        self.requests = {r.id: r for r in data.requests}
        self.query_one("#inbox-info", Static).update(self._info(data))
        table = self.query_one("#inbox", DataTable)
        refill(table, ((r.id, self._cells(r)) for r in data.requests))
        self._show_detail(selected_key(table))

    def _info(self, data: InboxData) -> Text:
        ctx = self.ctx
        if ctx.queue is None:
            return Text(
                "No approval queue: start the console with --store URL (the database the "
                "app's Charter uses).",
                style="yellow",
            )
        text = Text()
        pending = sum(1 for r in data.requests if r.state.value == "pending")
        text.append(f"{pending} pending", style="bold yellow" if pending else "green")
        text.append(f" · showing {'all states' if self.show_all else 'pending'} (f)", style="dim")
        if ctx.reviewer:
            text.append(f" · deciding as {safe(ctx.reviewer, one_line=True)}")
            if data.for_others:
                among = "" if data.complete else " in between"
                text.append(
                    f" · {data.for_others} more{among} wait for other reviewers", style="dim"
                )
            if not data.complete:
                text.append(
                    f" · the newest {LIMIT} you may decide; older ones not read", style="dim"
                )
        else:
            text.append(" · read-only: start with --reviewer NAME to decide", style="yellow")
        return text

    def _cells(self, r: ApprovalRequest) -> tuple[object, ...]:
        left = _seconds_left(r.expires_at, self.now)
        state = r.state.value
        due: object = "-"
        if state == "pending" or _unused_approval(r):  # an approval unused by then expires
            due = Text(fmt.countdown(left), style="bold red" if left < 60 else "")
            if state == "approved":
                due.append(" to use", style="dim")
        return (
            fmt.short(r.id, 16),
            r.rule,
            r.app,
            _progress(r.approvals, r.min_approvals),
            due,
            Text(state, style=STATE_STYLES.get(state, "")),
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.row_key.value)

    def _show_detail(self, request_id: str | None) -> None:
        detail = self.query_one("#request-detail", Static)
        request = self.requests.get(request_id or "")
        if request is None:
            detail.update(
                Text("No request selected." if self.requests else "Inbox empty.", style="dim")
            )
            return
        detail.update(_detail_text(request, self.now))

    # --- deciding ----------------------------------------------------------------------

    def action_decide(self, verdict: ReviewerChoice) -> None:
        ctx = self.ctx
        if ctx.queue is None:
            self.notify("No approval queue configured (--store).", severity="warning")
            return
        if not ctx.reviewer:
            self.notify(
                "Read-only: start the console with --reviewer NAME to decide.", severity="warning"
            )
            return
        request = self.requests.get(selected_key(self.query_one("#inbox", DataTable)) or "")
        if request is None:
            self.notify("Select a request first.", severity="warning")
            return
        if request.state.value != "pending":
            self.notify(
                f"Request is {request.state.value}; only pending requests take votes.",
                severity="warning",
            )
            return
        dialog = DecideDialog(
            request_id=request.id, rule=request.rule, verdict=verdict, reviewer=ctx.reviewer
        )

        def decided(reason: str | None) -> None:
            if reason is not None:
                self.submit_vote(request.id, verdict, reason)

        self.app.push_screen(dialog, decided)

    @work(group="vote", exit_on_error=False)
    async def submit_vote(self, request_id: str, verdict: ReviewerChoice, reason: str) -> None:
        ctx = self.ctx
        queue, reviewer = ctx.queue, ctx.reviewer
        if queue is None or reviewer is None:
            return
        vote = queue.approve if verdict == "approve" else queue.reject
        try:
            result = await asyncio.to_thread(vote, request_id, reviewer, reason)
        except CharterError as exc:
            self.notify(
                str(exc), title=f"{verdict.capitalize()} refused", severity="error", timeout=10
            )
            return
        outcome = result.state.value
        if outcome == "pending":
            outcome += f" ({result.approvals} of {result.min_approvals} approvals)"
        self.notify(f"{verdict.capitalize()}d {request_id}: {outcome}.")
        self.reload()

    def action_toggle_filter(self) -> None:
        self.show_all = not self.show_all
        self.reload()


def _seconds_left(expires_at: datetime, now: float) -> float:
    return expires_at.timestamp() - now


def _unused_approval(r: ApprovalRequest) -> bool:
    """Approved and not used yet: its `expires_at` is the time it must be used by."""
    return r.state.value == "approved" and r.consumed_at is None


def _progress(approvals: int, needed: int) -> Text:
    done = min(approvals, needed)
    text = Text("■" * done, style="green")
    text.append("□" * (needed - done), style="dim")
    text.append(f" {approvals}/{needed}")
    return text


def _detail_text(r: ApprovalRequest, now: float) -> Text:
    text = Text()
    text.append(f"{safe(r.id, one_line=True)}\n", style="bold")
    state = r.state.value
    text.append(state, style=STATE_STYLES.get(state, ""))
    left = fmt.countdown(_seconds_left(r.expires_at, now))
    if state == "pending":
        text.append(f" · expires in {left}")
        text.append(f" (on timeout: {r.on_timeout})", style="dim")
    elif _unused_approval(r):
        text.append(f" · use within {left}")
        text.append(" (unused by then, it expires)", style="dim")
    elif r.consumed_at is not None:
        text.append(f" · used {fmt.timestamp(r.consumed_at.timestamp())}")
    text.append("\n\n")
    rows = (
        ("rule", r.rule),
        ("reason", r.reason or "-"),
        ("app", r.app),
        ("tenant", r.tenant),
        ("requester", r.requester),
        ("approvers", _approvers(r)),
        ("progress", f"{r.approvals} of {r.min_approvals} approvals, {r.rejections} rejections"),
        ("created", fmt.timestamp(r.created_at.timestamp())),
    )
    for label, value in rows:
        text.append(f"{label:<10} ", style="dim")
        text.append(f"{safe(value)}\n")
    if r.votes:
        text.append("\nvotes\n", style="bold")
        for vote in r.votes:
            style = "green" if vote.verdict == "approve" else "red"
            text.append(f"  {safe(vote.reviewer, one_line=True)} ", style="bold")
            text.append(safe(vote.verdict), style=style)
            if vote.reason:
                text.append(f": {safe(vote.reason)}")
            text.append("\n")
    text.append("\naction (redacted)\n", style="bold")
    action = json.dumps(r.action, indent=2, ensure_ascii=False, sort_keys=True)
    if len(action) > MAX_ACTION_CHARS:
        action = action[:MAX_ACTION_CHARS] + "\n…"
    text.append(safe(action))
    return text


def _approvers(r: ApprovalRequest) -> str:
    parts = []
    if r.approvers.roles:
        parts.append("roles " + ", ".join(r.approvers.roles))
    if r.approvers.users:
        parts.append("users " + ", ".join(r.approvers.users))
    return "; ".join(parts) or "-"
