"""Pilot helpers shared by the screen and snapshot tests."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable


async def settle(pilot: Pilot[None]) -> None:
    """Let mounts run, wait for every load worker, then let the UI repaint."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def column(table: DataTable[object], index: int) -> list[str]:
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]
