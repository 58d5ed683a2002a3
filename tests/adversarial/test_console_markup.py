"""Issue 14 #2: values from telemetry and the store are text in every part of the console.

Replays the attack: span attributes and approval rows holding Rich markup (`[/]` crashed the
console, on every restart too, `[@click=app.quit]` quit it, `[link=...]` made a live link),
terminal control sequences and bidi overrides, fed through every screen with Pilot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from monitor_tui.app import ConsoleApp
from monitor_tui.dialogs.decide import DecideDialog
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.store import SpanStore
from monitor_tui.screens.approvals import ApprovalsScreen
from monitor_tui.screens.drift import DriftScreen
from monitor_tui.screens.live import LiveScreen
from monitor_tui.screens.policies import PoliciesScreen
from monitor_tui.screens.trace import TraceScreen
from rich.text import Text
from textual.widgets import DataTable, Static, Tree

from charter.approvals.queue import ApprovalQueue
from charter.decision import ApprovalSpec, Approvers
from tests.monitor_tui.factories import NOW, NOW_NS, call_span, clock, traffic
from tests.monitor_tui.helpers import settle

SIZE = (160, 50)
CLOSE = "[/]"
QUIT = "[@click=app.quit]press[/]"
LINK = "[link=file:///etc/passwd]passwd[/link]"
TERMINAL = "\x1b]0;owned\x07\x1b[2J"
BIDI = "\u202eevil"
HOSTILE = (CLOSE, QUIT, LINK, TERMINAL, BIDI)


def hostile_spans() -> list[SpanRecord]:
    spans = []
    for i, value in enumerate(HOSTILE):
        span = call_span(
            i + 1,
            end_ns=NOW_NS - (i + 1) * 10**9,
            action="deny",
            rules=[value, f"rule{CLOSE}{i}"],
            app=value,
            model=value,
            revision=value,
            signals={value: 0.9},
        )
        attributes = {**span.attributes, value: value, f"key{QUIT}": [value, LINK]}
        spans.append(
            SpanRecord(
                **{
                    **{f: getattr(span, f) for f in span.__dataclass_fields__},
                    "name": f"chat {value}",
                    "service": value,
                    "attributes": attributes,
                }
            )
        )
    # A drift window's worth of ordinary traffic from a hostile app, so Drift has segments.
    spans += traffic(60, seed=3, end_s=NOW - 10, spacing_s=5, first_index=100, app=CLOSE)
    return spans


def _texts(app: ConsoleApp) -> list[Text]:
    """Every cell, label and tree node of the current screen, as rendered text."""
    found: list[Text] = []
    screen = app.screen
    for table in screen.query(DataTable):
        for row in range(table.row_count):
            for cell in table.get_row_at(row):
                assert not isinstance(cell, str), f"a str cell is parsed as markup: {cell!r}"
                found.append(cell)
    for tree in screen.query(Tree):
        stack = [tree.root]
        while stack:
            node = stack.pop()
            found.append(node.label)
            stack.extend(node.children)
    for widget in screen.query(Static):  # Labels too
        content = widget.content
        if isinstance(content, str):  # parsed as markup: only the console's own text
            assert not any(m in content for m in ("[/]", "[@", "[link", "\x1b")), content
            found.append(Text(content))
        elif isinstance(content, Text):
            found.append(content)
        else:
            rendered = widget.render()  # widgets that draw themselves (nav bar, metrics)
            if isinstance(rendered, Text):
                found.append(rendered)
    return found


def assert_inert(app: ConsoleApp) -> None:
    assert app.is_running, "the console quit"
    for text in _texts(app):
        plain = text.plain
        assert "\x1b" not in plain and "\x07" not in plain, plain
        assert "\u202e" not in plain, plain
        plain.encode("utf-8")  # no lone surrogate reaches the terminal
        for span in text.spans:
            style = str(span.style)
            assert "link" not in style and "@click" not in style, style
        assert text.style is None or "link" not in str(text.style)


def shown(app: ConsoleApp) -> str:
    return "\n".join(t.plain for t in _texts(app))


@pytest.fixture
def hostile_store(tmp_path: Path) -> str:
    path = str(tmp_path / "spans.db")
    store = SpanStore(path, clock=clock)
    store.insert(hostile_spans())
    store.close()
    return path


@pytest.fixture
def hostile_queue(tmp_path: Path) -> ApprovalQueue:
    queue = ApprovalQueue(f"sqlite:///{tmp_path}/charter.db")
    for value in HOSTILE:
        queue.submit(
            spec=ApprovalSpec(
                reason=f"reason {value}",
                approvers=Approvers(roles=(value, "compliance[/]"), users=(value,)),
                min_approvals=2,
                timeout_s=900,
            ),
            action={"tool": value, "arguments": {value: LINK}},
            requester=value,
            tenant=value,
            app=value,
            rule=value,
            decision_id="d-1",
        )
    yield queue
    queue.close()


async def test_hostile_spans_are_text_on_every_screen_and_after_a_restart(
    hostile_store: str,
) -> None:
    for _restart in range(2):  # the spans stay in the store: a restart must not crash
        store = SpanStore(hostile_store, clock=clock)
        app = ConsoleApp(store, clock=clock, reviewer=QUIT)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, LiveScreen)
            assert_inert(app)
            assert CLOSE in shown(app) and "[link=file:///etc/passwd]" in shown(app)
            await pilot.press("enter")  # the trace of the newest (hostile) call
            await settle(pilot)
            assert isinstance(app.screen, TraceScreen)
            assert_inert(app)
            text = shown(app)
            assert f"key{QUIT}" in text and LINK in text
            for node in app.screen.query_one(Tree).root.children:
                app.screen.query_one(Tree).move_cursor(node)
            await pilot.press("escape")
            await pilot.press("3")
            await settle(pilot)
            assert isinstance(app.screen, DriftScreen)
            assert_inert(app)
            assert CLOSE in shown(app)
            features = app.screen.query_one("#features", DataTable)
            segment = f"app={CLOSE} / "  # the hostile app's traffic (any environment)
            hostile_rows = [  # each of its features' distribution view
                r
                for r in range(features.row_count)
                if str(features.get_row_at(r)[0]).startswith(segment)
                and " / model=gpt-4o" in str(features.get_row_at(r)[0])
            ]
            assert hostile_rows
            for row in hostile_rows if _restart == 0 else hostile_rows[:1]:
                features.move_cursor(row=row)
                await pilot.pause()
                assert_inert(app)
            await pilot.press("4")
            await settle(pilot)
            assert isinstance(app.screen, PoliciesScreen)
            assert_inert(app)
            assert f"rule{CLOSE}0" in shown(app)
            table = app.screen.query_one("#rules", DataTable)
            for row in range(table.row_count):
                table.move_cursor(row=row)
                await pilot.pause()
                assert_inert(app)
            await pilot.press("v")
            await settle(pilot)
            assert_inert(app)
        store.close()


async def test_hostile_approvals_reviewers_and_roles_are_text(
    tmp_path: Path, hostile_queue: ApprovalQueue
) -> None:
    store = SpanStore(str(tmp_path / "spans.db"), clock=clock)
    app = ConsoleApp(store, queue=hostile_queue, reviewer=LINK, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        await pilot.press("f")  # every request: the hostile reviewer may decide none of them
        await settle(pilot)
        inbox = app.screen.query_one("#inbox", DataTable)
        assert inbox.row_count == len(HOSTILE)
        for row in range(inbox.row_count):
            inbox.move_cursor(row=row)
            await pilot.pause()
            assert_inert(app)
        detail = shown(app)
        assert "compliance[/]" in detail  # role text is shown, not eaten as markup
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DecideDialog)
        assert_inert(app)
        assert LINK in shown(app)
        await pilot.press("enter")  # the vote is refused (not an approver): a notification
        await settle(pilot)
        assert app.is_running
        for notification in app._notifications:
            assert not notification.markup
            notification.message.encode("utf-8")
    store.close()
