"""Pilot helpers shared by the screen and snapshot tests."""

from __future__ import annotations

from monitor_tui.dialogs.decide import DecideDialog
from textual.pilot import Pilot
from textual.widgets import DataTable, Input


async def settle(pilot: Pilot[None]) -> None:
    """Let mounts run, wait for every load worker, then until the UI has laid out.

    DataTables size their columns when their message queue runs empty; on a busy machine
    Textual's idle heuristic can return before that, so wait for it explicitly.
    """
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for _ in range(100):
        if not any(_pending_layout(t) for t in pilot.app.screen.query(DataTable)):
            break
        await pilot.pause(0.02)
    await pilot.pause()


async def notified(pilot: Pilot[None], fragment: str) -> list[str]:
    """The notifications shown, once one containing `fragment` is among them (a notification
    reaches the app as a message, which a busy machine may not have handled by `settle`)."""
    for _ in range(100):
        messages = [str(n.message) for n in pilot.app._notifications]
        if any(fragment in m for m in messages):
            break
        await pilot.pause(0.02)
    return messages


def _pending_layout(table: DataTable[object]) -> bool:
    return bool(table._require_update_dimensions or table._updated_cells)


def column(table: DataTable[object], index: int) -> list[str]:
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


async def decide(pilot: Pilot[None], key: str, reason: str) -> None:
    """On the Approvals screen: press `key` (a/r), give `reason` in the dialog, confirm."""
    await pilot.press(key)
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, DecideDialog)
    dialog.query_one("#reason", Input).value = reason
    await pilot.press("enter")
    await settle(pilot)
