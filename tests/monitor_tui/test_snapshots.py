"""Snapshot tests of the main screens on fixed data (fixed clock, ids and seeds).

Update after an intended UI change with `pytest tests/monitor_tui/test_snapshots.py
--snapshot-update`, then review the SVGs under __snapshots__/.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from monitor_tui.app import ConsoleApp
from monitor_tui.ingest.records import SpanRecord
from monitor_tui.ingest.store import SpanStore
from textual.pilot import Pilot

from charter.approvals.queue import ApprovalQueue
from tests.monitor_tui.factories import NOW, NOW_NS, call_span, clock, traffic
from tests.monitor_tui.helpers import settle
from tests.monitor_tui.test_screens import FIXTURE_POLICIES, drift_traffic, submit

SIZE = (140, 36)
Snap = Callable[..., bool]


def press(*keys: str) -> Callable[[Pilot[None]], Any]:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def live_spans() -> list[SpanRecord]:
    spans = traffic(60, seed=7, end_s=NOW - 1, spacing_s=4, deny_rate=0.1)
    spans.append(
        call_span(
            999,
            end_ns=NOW_NS - 500_000_000,
            action="require_approval",
            rules=["tools.refund_over_limit"],
            call_ms=40.0,
            approval_state="pending",
        )
    )
    return spans


def test_live_screen(snap_compare: Snap, store: SpanStore) -> None:
    store.insert(live_spans())
    assert snap_compare(ConsoleApp(store, clock=clock), terminal_size=SIZE, run_before=press())


def test_trace_screen(snap_compare: Snap, store: SpanStore) -> None:
    store.insert(live_spans())
    assert snap_compare(
        ConsoleApp(store, clock=clock), terminal_size=SIZE, run_before=press("enter")
    )


def test_drift_screen(snap_compare: Snap, store: SpanStore) -> None:
    store.insert(drift_traffic())
    assert snap_compare(ConsoleApp(store, clock=clock), terminal_size=SIZE, run_before=press("3"))


def test_policies_screen(
    snap_compare: Snap, store: SpanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).parent)  # the bundle path shows as fixtures/policies
    store.insert(traffic(200, seed=3, end_s=NOW - 1, deny_rate=0.2))
    app = ConsoleApp(store, clock=clock, policies=FIXTURE_POLICIES)
    assert snap_compare(app, terminal_size=SIZE, run_before=press("4"))


@pytest.fixture
def fixed_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApprovalQueue]:
    """A real queue whose ticket ids and clock are fixed, so the inbox renders the same."""
    numbers = itertools.count(1)
    monkeypatch.setattr("charter.approvals.queue.new_ticket", lambda: f"apr_{next(numbers):04d}")
    created = datetime.fromtimestamp(NOW - 300, UTC)
    queue = ApprovalQueue(f"sqlite:///{tmp_path}/charter.db", clock=lambda: created)
    yield queue
    queue.close()


def test_approvals_screen(snap_compare: Snap, store: SpanStore, fixed_queue: ApprovalQueue) -> None:
    first = submit(fixed_queue, min_approvals=2)
    fixed_queue.approve(first.id, "bob", "looks fine")
    submit(fixed_queue, rule="tools.close_account")
    app = ConsoleApp(store, queue=fixed_queue, reviewer="alice", clock=clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=press("2"))


def test_probes_screen(snap_compare: Snap, store: SpanStore) -> None:
    from tests.monitor_tui.factories import probe_history

    store.insert(probe_history())
    assert snap_compare(ConsoleApp(store, clock=clock), terminal_size=SIZE, run_before=press("5"))
