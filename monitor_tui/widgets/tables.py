"""DataTable helpers: refill a table on every refresh without losing the reader's place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist


def selected_key(table: DataTable[Any]) -> str | None:
    if not table.row_count:
        return None
    try:
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    except CellDoesNotExist:  # cursor outside the rows while the table refills
        return None
    return key.value


def refill(table: DataTable[Any], rows: Iterable[tuple[str, Sequence[Any]]]) -> None:
    """Replace all rows (keyed), keeping the cursor on the same key when it is still there."""
    selected = selected_key(table)
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if selected is not None and selected in table.rows:
        table.move_cursor(row=table.get_row_index(selected), animate=False)
