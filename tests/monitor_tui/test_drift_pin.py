"""The Drift screen's pinned baseline outlives a console restart (Pilot, a real SQLite file)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from monitor_tui.app import ConsoleApp
from monitor_tui.ingest.store import SpanStore
from monitor_tui.screens.drift import DriftScreen
from textual.widgets import Static

from tests.monitor_tui.factories import clock
from tests.monitor_tui.helpers import notified, settle
from tests.monitor_tui.test_screens import SIZE, drift_traffic


async def _drift_info(path: Path, *keys: str) -> str:
    """Open a console on the span file, go to Drift, press `keys`, close it: its info line."""
    store = SpanStore(str(path), clock=clock)
    try:
        app = ConsoleApp(store, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            for key in ("3", *keys):
                await pilot.press(key)
                await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DriftScreen)
            return str(screen.query_one("#drift-info", Static).render())
    finally:
        store.close()


async def test_a_pinned_baseline_outlives_a_restart(tmp_path: Path) -> None:
    """Found by probing: the operator pinned a known-good baseline, the model changed, the
    console restarted: the pin was gone (memory only) and the trailing baseline, already
    holding the new model, showed no alert, with no word that the pin was lost."""
    path = tmp_path / "spans.db"
    store = SpanStore(str(path), clock=clock)
    store.insert(drift_traffic())
    store.close()
    assert "pinned 23:45:00-00:00:00 UTC" in await _drift_info(path, "p")
    assert "pinned 23:45:00-00:00:00 UTC" in await _drift_info(path)  # restarted
    assert "trailing" in await _drift_info(path, "t")
    assert "trailing" in await _drift_info(path)  # unpinned stays unpinned


async def test_a_pin_from_the_span_store_says_so(tmp_path: Path) -> None:
    """Found by probing: the pin is one per span store (a console has no identity that
    outlives its restart), so a second console started on console A's pin with no word of
    where it came from, and its operator's `t` cleared A's."""
    path = tmp_path / "spans.db"
    store = SpanStore(str(path), clock=clock)
    store.insert(drift_traffic())
    store.close()
    mine = await _drift_info(path, "p")
    assert "pinned 23:45:00-00:00:00 UTC" in mine
    assert "restored" not in mine  # pinned here: nothing to explain
    other = await _drift_info(path)  # another console, or this one restarted
    assert "pinned 23:45:00-00:00:00 UTC · pin restored from the span store (set " in other
    assert "(set 2026-01-01 00:00:00 UTC)" in other  # a pinned window ends when it was set


async def test_the_pin_is_written_off_the_event_loop_and_a_refused_clear_says_it_returns(
    tmp_path: Path,
) -> None:
    """Found by probing: `t` froze the console for the store's 5 s busy timeout while another
    process held the write lock (the write ran on the event loop), then said nothing of the
    stored pin, which came back on the next start."""
    path = tmp_path / "spans.db"
    store = SpanStore(str(path), clock=clock)
    store.insert(drift_traffic())
    writers: list[threading.Thread] = []
    set_state = store.set_state

    def watched(*args: Any, **kwargs: Any) -> None:
        writers.append(threading.current_thread())
        set_state(*args, **kwargs)

    store.set_state = watched  # type: ignore[method-assign]
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        app = ConsoleApp(store, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            for key in ("3", "p"):
                await pilot.press(key)
                await settle(pilot)
            locker.execute("BEGIN IMMEDIATE")  # another process writing
            await pilot.press("t")
            await settle(pilot)
            said = await notified(pilot, "could not be cleared")
            locker.execute("ROLLBACK")
        assert threading.main_thread() not in writers and len(writers) == 2  # main: the loop's
        assert any("it comes back when a console opens Drift" in m for m in said)
    finally:
        locker.close()
        store.close()
    assert "pin restored from the span store" in await _drift_info(path)  # as it said
