"""The console app: screens, global keys and the receiver's lifecycle. Nothing else.

`ConsoleApp` is also the factory other entry points use, e.g. `charter demo` opening the
console on a receiver and queue it already started::

    ConsoleApp(store, receiver=receiver, queue=queue, reviewer="alice").run()

A receiver that is not running yet is started in a worker when the app mounts and
stopped when it exits; one that is already running is left to its owner.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from charter import CharterError
from monitor_tui.context import ConsoleContext
from monitor_tui.ingest.receiver import Receiver
from monitor_tui.ingest.store import SpanStore
from monitor_tui.screens.approvals import ApprovalsScreen
from monitor_tui.screens.drift import DriftScreen
from monitor_tui.screens.help import HelpScreen
from monitor_tui.screens.live import LiveScreen
from monitor_tui.screens.policies import PoliciesScreen
from monitor_tui.text import safe

if TYPE_CHECKING:
    from charter.approvals import ApprovalQueue


class ConsoleApp(App[None]):
    CSS_PATH = "console.tcss"
    TITLE = "Charter console"
    MODES = {
        "live": LiveScreen,
        "approvals": ApprovalsScreen,
        "drift": DriftScreen,
        "policies": PoliciesScreen,
    }
    DEFAULT_MODE = "live"
    BINDINGS = [
        Binding("1", "switch_mode('live')", "Live", show=False),
        Binding("2", "switch_mode('approvals')", "Approvals", show=False),
        Binding("3", "switch_mode('drift')", "Drift", show=False),
        Binding("4", "switch_mode('policies')", "Policies", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        store: SpanStore,
        *,
        receiver: Receiver | None = None,
        queue: ApprovalQueue | None = None,
        reviewer: str | None = None,
        policies: str | None = None,
        **settings: Any,
    ) -> None:
        """`policies`: bundle source for the Policies screen; `settings`: any other
        `ConsoleContext` field (clock, refresh_s, live_window_s, drift_window_s, ...)."""
        super().__init__()
        self.context = ConsoleContext(
            store=store,
            receiver=receiver,
            queue=queue,
            reviewer=reviewer,
            policies_source=policies,
            **settings,
        )
        self._owns_receiver = receiver is not None and not receiver.running
        self._receiver_lock = threading.Lock()
        self._closing = False

    def on_mount(self) -> None:
        receiver = self.context.receiver
        reviewer = self.context.reviewer
        self.sub_title = safe(f"reviewer {reviewer}", one_line=True) if reviewer else ""
        if receiver is not None and self._owns_receiver:
            self.start_receiver()

    @work(group="receiver", exit_on_error=False)
    async def start_receiver(self) -> None:
        receiver = self.context.receiver
        if receiver is None:
            return
        try:
            started = await asyncio.to_thread(self._start_unless_closing, receiver)
        except CharterError as exc:
            self._owns_receiver = False
            self.notify(str(exc), title="Receiver not started", severity="error", timeout=15)
            return
        if started:
            self.notify(f"Receiving on {receiver.describe()}", timeout=4)

    def _start_unless_closing(self, receiver: Receiver) -> bool:
        # Start and stop run in threads; the lock keeps a late start from outliving the app.
        with self._receiver_lock:
            if self._closing:
                return False
            receiver.start()
            return True

    def _stop_owned(self, receiver: Receiver) -> None:
        with self._receiver_lock:
            self._closing = True
            if self._owns_receiver:
                receiver.stop()

    async def on_unmount(self) -> None:
        receiver = self.context.receiver
        if receiver is not None:
            await asyncio.to_thread(self._stop_owned, receiver)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification of the console is text, never markup (`markup` is ignored):
        messages quote store errors, rule ids and reviewer names (see `monitor_tui.text`)."""
        super().notify(
            safe(message), title=safe(title), severity=severity, timeout=timeout, markup=False
        )

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
