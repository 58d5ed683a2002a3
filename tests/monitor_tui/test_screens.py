"""Pilot tests of every screen, on real stores (SQLite span store, SQLite approval queue)."""

from __future__ import annotations

import asyncio
import math
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from monitor_tui.app import ConsoleApp
from monitor_tui.dialogs.decide import DecideDialog
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.store import SpanStore
from monitor_tui.screens.approvals import ApprovalsScreen
from monitor_tui.screens.drift import DriftScreen
from monitor_tui.screens.help import HelpScreen
from monitor_tui.screens.live import LiveScreen
from monitor_tui.screens.policies import PoliciesScreen
from monitor_tui.screens.trace import TraceScreen
from monitor_tui.widgets.distribution import DistributionView
from monitor_tui.widgets.metric import Metric
from textual.widgets import DataTable, Input, Static, Tree

from charter import semconv
from charter.approvals import ApprovalRequest, action_hash
from charter.approvals.queue import ApprovalQueue
from charter.decision import ApprovalSpec, Approvers
from tests.approvals.helpers import copies
from tests.monitor_tui.factories import NOW, NOW_NS, call_span, clock, traffic
from tests.monitor_tui.helpers import column, decide, notified, settle

FIXTURE_POLICIES = str(Path(__file__).parent / "fixtures" / "policies")
SIZE = (140, 40)


# --- Live and Trace ----------------------------------------------------------------------


async def test_live_shows_the_stream_rates_and_top_rules(store: SpanStore) -> None:
    spans = [
        call_span(1, end_ns=NOW_NS - 10**9, action="deny", rules=["topics.forbidden"], call_ms=80),
        call_span(2, end_ns=NOW_NS - 2 * 10**9, action="allow", call_ms=120),
        call_span(
            3,
            end_ns=NOW_NS - 3 * 10**9,
            action="redact",
            rules=["privacy.pii_external"],
            call_ms=200,
        ),
        call_span(
            4, end_ns=NOW_NS - 4 * 10**9, action="deny", rules=["topics.forbidden"], call_ms=400
        ),
    ]
    store.insert(spans)
    app = ConsoleApp(store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LiveScreen)
        stream = app.screen.query_one("#stream", DataTable)
        assert column(stream, 3) == ["deny", "allow", "redact", "deny"]  # newest first
        assert column(stream, 0)[0] == "23:59:59"
        assert app.screen.query_one("#m-deny", Metric).value == "50.0%"
        assert app.screen.query_one("#m-rate", Metric).value == "0.8"  # 4 calls / 5 min
        assert app.screen.query_one("#m-p50", Metric).value == "160 ms"
        rules = app.screen.query_one("#top-rules", DataTable)
        assert column(rules, 0) == ["topics.forbidden", "privacy.pii_external"]
        assert column(rules, 1) == ["2", "1"]


async def test_live_shows_every_call_when_one_has_values_of_the_wrong_kind(
    store: SpanStore,
) -> None:
    """Found by probing: one span with a NaN attribute or a `charter.call_ms` of "12.5ms"
    stopped the Live screen loading: no rows, and a misleading "malformed JSON; check disk
    space" notification, or none at all."""
    spans = [call_span(i, end_ns=NOW_NS - i * 10**9, call_ms=80) for i in (1, 2, 3)]
    odd = {semconv.CALL_MS: "12.5ms", semconv.SIGNAL_PREFIX + "jailbreak": math.nan}
    spans[1] = replace(spans[1], attributes={**spans[1].attributes, **odd})
    store.insert(spans)
    app = ConsoleApp(store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#stream", DataTable).row_count == 3
        assert app.screen.query_one("#m-p50", Metric).value == "80 ms"
        assert [n.message for n in app._notifications] == []


async def test_a_load_that_fails_unexpectedly_is_reported_by_its_class(tmp_path: Path) -> None:
    """A load failing with anything but a `CharterError` (here a row another tool wrote)
    vanished: the screen stayed empty and nothing said why."""
    path = str(tmp_path / "spans.db")
    store = SpanStore(path, clock=clock)
    store.insert([call_span(1, end_ns=NOW_NS - 10**9)])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE spans SET attributes = 'not json'")
    app = ConsoleApp(store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LiveScreen)
        messages = await notified(pilot, "JSONDecodeError while loading")
        assert any(m.startswith("JSONDecodeError while loading") for m in messages), messages
        await pilot.press("3")  # the console keeps working
        await settle(pilot)
        assert isinstance(app.screen, DriftScreen)
    store.close()


async def test_enter_opens_the_trace_and_escape_returns(store: SpanStore) -> None:
    call = call_span(7, end_ns=NOW_NS - 10**9, action="deny", rules=["topics.forbidden"])
    child = type(call)(
        trace_id=call.trace_id,
        span_id="c" * 16,
        parent_span_id=call.span_id,
        name="charter.policy.evaluate",
        start_ns=call.start_ns,
        end_ns=call.start_ns + 10**6,
        attributes={"charter.stage": "input"},
    )
    store.insert([call, child, call_span(8, end_ns=NOW_NS - 5 * 10**9)])
    app = ConsoleApp(store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TraceScreen)
        assert screen.trace_id == call.trace_id
        tree = screen.query_one("#trace-tree", Tree)
        (root_call,) = tree.root.children
        assert str(root_call.label).startswith("chat gpt-4o")
        assert [str(n.label).split()[0] for n in root_call.children] == ["charter.policy.evaluate"]
        attributes = screen.query_one("#attributes", DataTable)
        values = dict(zip(column(attributes, 0), column(attributes, 1), strict=True))
        assert values["charter.decision.action"] == "deny"
        assert values["charter.rules"] == '["topics.forbidden"]'
        await pilot.press("down")
        await pilot.pause()
        values = dict(zip(column(attributes, 0), column(attributes, 1), strict=True))
        assert values["name"] == "charter.policy.evaluate"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)


async def test_help_opens_and_closes(store: SpanStore) -> None:
    app = ConsoleApp(store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)


async def test_number_keys_switch_screens(store: SpanStore) -> None:
    app = ConsoleApp(store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        for key, screen in (
            ("2", ApprovalsScreen),
            ("3", DriftScreen),
            ("4", PoliciesScreen),
            ("1", LiveScreen),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen)


# --- Drift --------------------------------------------------------------------------------


def drift_traffic() -> list[SpanRecord]:
    """An hour of baseline before the last 15 minutes, whose prompts got much longer."""
    baseline = traffic(400, seed=1, end_s=NOW - 900 - 1, spacing_s=8)
    current = traffic(400, seed=2, end_s=NOW - 1, spacing_s=2, token_mu=5.8, first_index=1000)
    return baseline + current


async def test_drift_lists_alerts_and_feature_distributions(store: SpanStore) -> None:
    store.insert(drift_traffic())
    app = ConsoleApp(store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DriftScreen)
        alerts = screen.query_one("#alerts", DataTable)
        assert column(alerts, 0) == ["alert"]
        assert column(alerts, 2) == ["input_tokens"]
        features = screen.query_one("#features", DataTable)
        sev = dict(zip(column(features, 1), column(features, 6), strict=True))
        assert sev["input_tokens"] == "alert"
        assert sev["decision"] == "ok"
        index = column(features, 1).index("input_tokens")
        features.move_cursor(row=index)
        await pilot.pause()
        detail = screen.query_one("#feature-detail", DistributionView)
        assert detail.feature is not None and detail.feature.feature == "input_tokens"
        info = str(screen.query_one("#drift-info", Static).render())
        assert "trailing 4 x 15m" in info and "400 baseline / 400 current" in info


async def test_pinning_the_baseline(store: SpanStore) -> None:
    store.insert(drift_traffic())
    app = ConsoleApp(store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DriftScreen)
        info = str(screen.query_one("#drift-info", Static).render())
        assert "pinned 23:45:00-00:00:00 UTC" in info
        assert screen.report is not None
        assert screen.report.alerts() == []  # current vs itself: nothing drifted
        await pilot.press("t")
        await settle(pilot)
        assert "trailing" in str(screen.query_one("#drift-info", Static).render())
        assert screen.report is not None and screen.report.alerts()


# --- Policies -----------------------------------------------------------------------------


async def test_policies_show_counts_per_revision_and_rules_that_never_fired(
    store: SpanStore,
) -> None:
    store.insert(
        [
            call_span(1, end_ns=NOW_NS - 10**9, action="deny", rules=["topics.forbidden"]),
            call_span(
                2,
                end_ns=NOW_NS - 2 * 10**9,
                action="deny",
                rules=["topics.forbidden"],
                revision="rev-b",
            ),
            call_span(3, end_ns=NOW_NS - 3 * 10**9, action="deny", rules=["legacy.rule"]),
            call_span(
                4, end_ns=NOW_NS - 4 * 10**9, action="redact", rules=["privacy.pii_external"]
            ),
        ]
    )
    app = ConsoleApp(store, clock=clock, policies=FIXTURE_POLICIES)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PoliciesScreen)
        rules = screen.query_one("#rules", DataTable)
        status = dict(zip(column(rules, 0), column(rules, 4), strict=True))
        assert status == {
            "topics.forbidden": "fired",
            "jailbreak.detected": "never fired",
            "privacy.pii_external": "fired",
            "tools.refund_over_limit": "never fired",
            "legacy.rule": "not in bundle",
        }
        totals = dict(zip(column(rules, 0), column(rules, 3), strict=True))
        assert totals["topics.forbidden"] == "2"
        info = str(screen.query_one("#policy-info", Static).render())
        assert "revision rev-fixture" in info and "2 never fired" in info
        detail = str(screen.query_one("#rule-detail", Static).render())
        assert "Forbidden topics" in detail and "principle: Do no harm" in detail
        assert "owner: trust-and-safety" in detail and "charter/main.rego:" in detail
        await pilot.press("v")  # counts for the newest revision seen first
        await pilot.pause()
        fired = dict(zip(column(rules, 0), column(rules, 2), strict=True))
        assert screen.revision in ("rev-a", "rev-b")
        assert fired["topics.forbidden"] == "1"


async def test_policies_without_a_bundle_explain_why(store: SpanStore, tmp_path: Path) -> None:
    store.insert([call_span(1, end_ns=NOW_NS - 10**9, action="deny", rules=["topics.forbidden"])])
    app = ConsoleApp(store, clock=clock, policies=str(tmp_path / "missing"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        info = str(app.screen.query_one("#policy-info", Static).render())
        assert "Policy bundle not loaded" in info
        assert column(app.screen.query_one("#rules", DataTable), 4) == ["not in bundle"]


# --- Approvals ----------------------------------------------------------------------------


@pytest.fixture
def queue_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/charter.db"


def submit(
    queue: ApprovalQueue,
    *,
    min_approvals: int = 1,
    rule: str = "tools.refund_over_limit",
    users: tuple[str, ...] = ("alice", "bob"),
) -> ApprovalRequest:
    return queue.submit(
        spec=ApprovalSpec(
            reason="refund above the approval limit",
            approvers=Approvers(users=users),
            min_approvals=min_approvals,
            timeout_s=900,
        ),
        action={"tool": "refund", "arguments": {"amount": 750, "email": "<EMAIL_ADDRESS_1>"}},
        requester="u-7f3a",
        tenant="acme",
        app="support-bot",
        rule=rule,
        decision_id="d-1",
    )


async def test_approving_from_the_console_releases_the_waiting_sdk(
    store: SpanStore, queue_url: str
) -> None:
    sdk_queue = ApprovalQueue(queue_url)  # the app's side, as the SDK holds it
    console_queue = ApprovalQueue(queue_url)  # the console's own connection
    request = submit(sdk_queue)
    outcome: list[ApprovalRequest] = []
    waiter = threading.Thread(target=lambda: outcome.append(sdk_queue.wait(request.id, 60)))
    waiter.start()
    app = ConsoleApp(store, queue=console_queue, reviewer="alice", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        inbox = app.screen.query_one("#inbox", DataTable)
        assert column(inbox, 1) == ["tools.refund_over_limit"]
        assert column(inbox, 3) == ["□ 0/1"]
        detail = str(app.screen.query_one("#request-detail", Static).render())
        assert '"email": "<EMAIL_ADDRESS_1>"' in detail  # the redacted context
        assert "refund above the approval limit" in detail
        await decide(pilot, "a", "within the customer's history")
        assert isinstance(app.screen, ApprovalsScreen)
    waiter.join(timeout=30)
    assert outcome and outcome[0].state.value == "approved"
    (vote,) = outcome[0].votes
    assert (vote.reviewer, vote.verdict, vote.reason) == (
        "alice",
        "approve",
        "within the customer's history",
    )
    used = sdk_queue.consume(request.id, action_hash(request.action))
    assert used.consumed_at is not None
    sdk_queue.close()
    console_queue.close()


async def test_m_of_n_progress_and_reject_needs_a_reason(store: SpanStore, queue_url: str) -> None:
    queue = ApprovalQueue(queue_url)
    request = submit(queue, min_approvals=2)
    queue.approve(request.id, "bob", "fine by me")
    app = ConsoleApp(store, queue=queue, reviewer="alice", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        inbox = app.screen.query_one("#inbox", DataTable)
        assert column(inbox, 3) == ["■□ 1/2"]
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DecideDialog)
        await pilot.press("enter")  # no reason given
        await pilot.pause()
        assert app.screen is dialog
        assert "needs a reason" in str(dialog.query_one("#decide-error").render())
        dialog.query_one("#reason", Input).value = "amount is not justified"
        await pilot.press("enter")
        await settle(pilot)
    decided = queue.get(request.id)
    assert decided.state.value == "rejected"
    assert [v.verdict for v in decided.votes] == ["approve", "reject"]
    queue.close()


async def test_a_refused_vote_is_shown_and_changes_nothing(
    store: SpanStore, queue_url: str
) -> None:
    queue = ApprovalQueue(queue_url)
    request = submit(queue, users=("bob",))
    app = ConsoleApp(store, queue=queue, reviewer="mallory", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.query_one("#inbox", DataTable).row_count == 0  # not theirs to decide
        await pilot.press("f")  # every request: the vote itself is still checked
        await settle(pilot)
        await decide(pilot, "a", "")
        messages = [n.message for n in app._notifications]
        assert any("needs users bob" in m or "mallory" in m for m in messages), messages
    assert queue.get(request.id).state.value == "pending"
    assert queue.get(request.id).votes == ()
    queue.close()


async def test_the_inbox_lists_only_what_the_reviewer_may_decide(
    store: SpanStore, queue_url: str
) -> None:
    queue = ApprovalQueue(queue_url)
    mine = submit(queue, users=("alice",))
    submit(queue, users=("bob",), rule="tools.close_account")
    voted = submit(queue, min_approvals=2, rule="tools.wire_transfer")
    queue.approve(voted.id, "alice", "fine")  # alice has voted: nothing left for her to do
    app = ConsoleApp(store, queue=queue, reviewer="alice", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        inbox = app.screen.query_one("#inbox", DataTable)
        assert column(inbox, 1) == [mine.rule]
        info = str(app.screen.query_one("#inbox-info", Static).render())
        assert "1 pending" in info and "2 more wait for other reviewers" in info
        await pilot.press("f")
        await settle(pilot)
        assert sorted(column(inbox, 1)) == sorted(
            ["tools.refund_over_limit", "tools.close_account", "tools.wire_transfer"]
        )
    queue.close()


async def test_the_inbox_reads_past_requests_for_other_reviewers(
    store: SpanStore, queue_url: str
) -> None:
    """Found by probing: the inbox filtered the newest 200 pending requests, so 200 newer
    ones for bob hid alice's request from her."""
    queue = ApprovalQueue(queue_url)
    mine = submit(queue, users=("alice",))
    copies(queue, submit(queue, users=("bob",), rule="tools.close_account").id, 200)
    app = ConsoleApp(store, queue=queue, reviewer="alice", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert column(app.screen.query_one("#inbox", DataTable), 1) == [mine.rule]  # before: []
        info = str(app.screen.query_one("#inbox-info", Static).render())
        assert "1 pending" in info and "201 more wait for other reviewers" in info
    queue.close()


async def test_without_a_reviewer_the_inbox_is_read_only(store: SpanStore, queue_url: str) -> None:
    queue = ApprovalQueue(queue_url)
    request = submit(queue)
    app = ConsoleApp(store, queue=queue, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert "read-only" in str(app.screen.query_one("#inbox-info", Static).render())
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ApprovalsScreen)  # no dialog
    assert queue.get(request.id).votes == ()
    queue.close()


async def test_without_a_queue_the_screen_says_how_to_get_one(store: SpanStore) -> None:
    app = ConsoleApp(store, reviewer="alice", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert "--store URL" in str(app.screen.query_one("#inbox-info", Static).render())
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ApprovalsScreen)


async def test_filter_shows_decided_requests(store: SpanStore, queue_url: str) -> None:
    queue = ApprovalQueue(queue_url)
    done = submit(queue)
    queue.approve(done.id, "alice", "ok")
    pending = submit(queue)
    app = ConsoleApp(store, queue=queue, reviewer="bob", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        inbox = app.screen.query_one("#inbox", DataTable)
        assert [str(k.value) for k in inbox.rows] == [pending.id]
        await pilot.press("f")
        await settle(pilot)
        assert sorted(str(k.value) for k in inbox.rows) == sorted([pending.id, done.id])
        assert sorted(column(inbox, 5)) == ["approved", "pending"]
    queue.close()


async def test_an_approved_request_shows_the_time_left_to_use_it(
    store: SpanStore, queue_url: str
) -> None:
    """Found by review: an approved request's use-by time (unused by then, it expires)
    showed as "-", as if an approval could wait for ever."""
    queue = ApprovalQueue(queue_url, clock=lambda: datetime.fromtimestamp(NOW, UTC))
    approved = submit(queue)
    queue.approve(approved.id, "alice", "ok")
    app = ConsoleApp(store, queue=queue, reviewer="bob", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "f")
        await settle(pilot)
        assert column(app.screen.query_one("#inbox", DataTable), 4) == ["15:00 to use"]
        detail = str(app.screen.query_one("#request-detail", Static).render())
        assert "approved · use within 15:00 (unused by then, it expires)" in detail
    queue.close()


def test_traffic_fixture_is_in_the_windows() -> None:
    spans = drift_traffic()
    assert max(s.end_ns for s in spans) < NOW_NS
    assert min(s.end_ns for s in spans) > NOW_NS - 75 * 60 * 10**9


async def test_a_guarded_tool_call_waits_until_the_console_approves(
    store: SpanStore, tmp_path: Path
) -> None:
    from charter.config import DEFAULT_POLICIES
    from charter.testing import make_charter

    charter = make_charter(DEFAULT_POLICIES, tmp_path, approval_mode="wait", approval_wait_s=60)
    ran: list[float] = []

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str:
        ran.append(amount)
        return "refunded"

    results: list[str] = []
    caller = threading.Thread(target=lambda: results.append(issue_refund("A-9", 700.0)))
    caller.start()
    # The console's own queue on the same store, authorized by the same policy (as the CLI).
    console_queue = ApprovalQueue.from_policy(
        f"sqlite:///{tmp_path / 'charter.db'}", charter.engine
    )
    for _ in range(400):
        if console_queue.list("pending"):
            break
        await asyncio.sleep(0.05)
    assert not ran  # held for review
    app = ConsoleApp(store, queue=console_queue, reviewer="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        inbox = app.screen.query_one("#inbox", DataTable)
        assert column(inbox, 1) == ["tools.refund_over_limit"]
        await decide(pilot, "a", "order verified")
    caller.join(timeout=60)
    assert results == ["refunded"] and ran == [700.0]
    console_queue.close()
    charter.close()
