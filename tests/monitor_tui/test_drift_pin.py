"""The Drift screen's pinned baseline outlives a console restart (Pilot, a real SQLite file)."""

from __future__ import annotations

from pathlib import Path

from monitor_tui.app import ConsoleApp
from monitor_tui.ingest.store import SpanStore
from monitor_tui.screens.drift import DriftScreen
from textual.widgets import Static

from tests.monitor_tui.factories import clock
from tests.monitor_tui.helpers import settle
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
