"""DataTable helpers: refill a table on every refresh without losing the reader's place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey

from monitor_tui.text import cell


class Table(DataTable[Any]):
    """A DataTable that shows every `str` cell as text (never markup, see
    `monitor_tui.text`) and whose header always matches its column widths.

    DataTable sizes columns from their content when its queue runs empty; a repaint that
    lands between `add_row` and that moment caches the header at the old widths, and the
    cache is keyed on an update counter the sizing does not bump. Bumping it here keeps a
    refilled table from showing a stale header until the next refresh.
    """

    def add_row(
        self,
        *cells: Any,
        height: int | None = 1,
        key: str | None = None,
        label: Any = None,
    ) -> RowKey:
        shown = [cell(c) if isinstance(c, str) else c for c in cells]
        return super().add_row(*shown, height=height, key=key, label=label)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        self._update_count += 1


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
